import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

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
