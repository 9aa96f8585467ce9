import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GRANT_TYPES } from '@app/contracts';
import { KEY_TYPES, RESIDENT_KEY_MANAGER } from './generate-keys.dto.js';

/** WSO2's ApplicationTokenDTO. */
export class ApplicationTokenDto {
  @ApiProperty()
  accessToken!: string;

  @ApiProperty({ type: [String] })
  tokenScopes!: string[];

  @ApiProperty({ description: 'Seconds the token is valid for', example: 3600 })
  validityTime!: number;
}

/** WSO2's ApplicationKeyDTO. */
export class ApplicationKeyDto {
  @ApiProperty({ format: 'uuid' })
  keyMappingId!: string;

  @ApiProperty({ example: RESIDENT_KEY_MANAGER })
  keyManager!: string;

  @ApiProperty({ description: 'The OAuth2 client id' })
  consumerKey!: string;

  @ApiPropertyOptional({ description: 'The OAuth2 client secret (only in the oauth-keys resources)' })
  consumerSecret?: string;

  @ApiProperty({ enum: GRANT_TYPES, isArray: true })
  supportedGrantTypes!: string[];

  @ApiProperty({ nullable: true, type: String })
  callbackUrl!: string | null;

  @ApiProperty({ example: 'COMPLETED' })
  keyState!: string;

  @ApiProperty({ enum: KEY_TYPES })
  keyType!: string;

  @ApiProperty({ example: 'CREATED' })
  mode!: string;

  @ApiPropertyOptional({ type: ApplicationTokenDto, description: 'When client_credentials is supported, a first access token' })
  token?: ApplicationTokenDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { application_access_token_expiry_time: 3600, user_access_token_expiry_time: 3600, refresh_token_expiry_time: 86400, pkceMandatory: false, pkceSupportPlain: false, bypassClientCredentials: false },
    description: "WSO2's key manager application configurations of the key's client, in the answers of generate-keys and PUT (the ones that talk to the Key Manager)",
  })
  additionalProperties?: Record<string, number | boolean>;
}

export class ApplicationKeyListDto {
  @ApiProperty()
  count!: number;

  @ApiProperty({ type: [ApplicationKeyDto] })
  list!: ApplicationKeyDto[];
}

/** WSO2's ApplicationKeyReGenerateResponseDTO. */
export class RegeneratedSecretDto {
  @ApiProperty()
  consumerKey!: string;

  @ApiProperty()
  consumerSecret!: string;
}
