import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, Length } from 'class-validator';

export class LoginDto {
  // The lowest decorator is checked first: a missing field says it is missing.
  @ApiProperty({ example: 'alice' })
  @Length(1, 64, { message: 'username must be 1 to 64 characters' })
  @IsString({ message: 'username must be a string' })
  @IsDefined({ message: 'username is required' })
  username!: string;

  @ApiProperty({ format: 'password' })
  @Length(1, 256, { message: 'password must be 1 to 256 characters' })
  @IsString({ message: 'password must be a string' })
  @IsDefined({ message: 'password is required' })
  password!: string;
}

/** Renews a log-in: the refresh token of the last token response (it is replaced by a new one). */
export class RefreshLoginDto {
  @ApiProperty({ format: 'password' })
  @Length(1, 8192, { message: 'refresh_token must be 1 to 8192 characters' })
  @IsString({ message: 'refresh_token must be a string' })
  @IsDefined({ message: 'refresh_token is required' })
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
