import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { SCOPE_TOKEN } from './generate-keys.dto.js';
import { EmptyAsAbsent } from './validation.util.js';

/** WSO2's ApplicationTokenGenerateRequestDTO (client_credentials only). */
export class GenerateTokenDto {
  @ApiProperty({ description: "The key's consumer secret, checked by the portal before a token is issued" })
  @IsString()
  @Length(1, 512)
  consumerSecret!: string;

  @ApiPropertyOptional({ example: 3600, description: 'Seconds (default: the key validity time)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  validityPeriod?: number;

  @ApiPropertyOptional({ type: [String], example: ['default'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(SCOPE_TOKEN, { each: true, message: 'each scope must be an RFC 6749 scope token (printable, no spaces or quotes)' })
  scopes?: string[];

  @ApiPropertyOptional({ description: 'An access token of this key to revoke first ("" for none, as WSO2 clients send)' })
  @EmptyAsAbsent()
  @IsOptional()
  @IsString()
  @Length(1, 8192)
  revokeToken?: string;

  @ApiPropertyOptional({ enum: ['CLIENT_CREDENTIALS'], default: 'CLIENT_CREDENTIALS', description: "WSO2's TOKEN_EXCHANGE is refused: use the Key Manager's token endpoint with the token-exchange grant" })
  @IsOptional()
  @IsIn(['CLIENT_CREDENTIALS'], {
    message: 'grantType must be CLIENT_CREDENTIALS: for token exchange, call the Key Manager token endpoint with grant_type urn:ietf:params:oauth:grant-type:token-exchange',
  })
  grantType?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'WSO2: parameters for the authorization server. Accepted and ignored' })
  @IsOptional()
  @IsObject({ message: 'additionalProperties must be an object' })
  additionalProperties?: Record<string, unknown>;
}
