import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

/** Renews a log-in: the refresh token of the last token response (it is replaced by a new one). */
export class RefreshLoginDto {
  @ApiProperty({ format: 'password' })
  @IsString()
  @Length(1, 8192)
  refresh_token!: string;
}

/** Ends a log-in. The bearer token of the request, this refresh token, or both, are revoked. */
export class LogoutDto {
  /** No body at all is accepted (read by the portal's validation pipe): the bearer token may be all there is. */
  static readonly bodyOptional = true;

  @ApiPropertyOptional({ format: 'password', description: 'The refresh token of the session; needed when the access token has expired' })
  @IsOptional()
  @IsString()
  @Length(1, 8192)
  refresh_token?: string;
}

/** An OAuth2 token response (RFC 6749 §5.1), issued by the Key Manager. */
export class LoginTokenDto {
  @ApiProperty({ description: 'Send as Authorization: Bearer <access_token> on every other call' })
  access_token!: string;

  @ApiProperty({ example: 'Bearer' })
  token_type!: 'Bearer';

  @ApiProperty({ example: 3600, description: 'Seconds' })
  expires_in!: number;

  @ApiPropertyOptional()
  refresh_token?: string;
}
