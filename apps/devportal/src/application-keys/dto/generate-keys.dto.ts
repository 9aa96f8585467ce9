import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { GRANT_TYPES, type GrantType } from '@app/contracts';
import { EmptyAsAbsent, IsOfferedGrantType, IsRedirectUri, NumericString } from './validation.util.js';

export const KEY_TYPES = ['PRODUCTION', 'SANDBOX'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** The only key manager there is; WSO2 clients name it. */
export const RESIDENT_KEY_MANAGER = 'Resident Key Manager';

export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3

/**
 * WSO2's `additionalProperties` of a key, on generate-keys and PUT oauth-keys alike: accepted here as any
 * value and checked by `additional-properties.util.ts` (ErrorDTO 900970).
 */
function KeyAdditionalProperties(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'object',
      additionalProperties: true,
      example: { application_access_token_expiry_time: '3600', user_access_token_expiry_time: 'N/A', pkceMandatory: 'false', pkceSupportPlain: 'false', bypassClientCredentials: 'false' },
      description:
        "WSO2's key manager application configurations: application_access_token_expiry_time, user_access_token_expiry_time, refresh_token_expiry_time (seconds; id_token_expiry_time accepted and not applied), pkceMandatory, pkceSupportPlain, bypassClientCredentials (true/false). Blank or N/A means not set. A bad value is ErrorDTO 900970.",
    }),
    Allow(),
  );
}

/** WSO2's `keyType` of a key request: PRODUCTION or SANDBOX. */
export const KeyTypeProperty = (): PropertyDecorator => applyDecorators(ApiProperty({ enum: KEY_TYPES }), IsIn(KEY_TYPES));

/** WSO2's `keyManager` of a key request: the only one there is, by either of its names. */
export const KeyManagerProperty = (): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ enum: [RESIDENT_KEY_MANAGER, 'Default'], default: RESIDENT_KEY_MANAGER }), IsOptional(), IsIn([RESIDENT_KEY_MANAGER, 'Default']));

export class GenerateKeysDto {
  @KeyTypeProperty()
  keyType!: KeyType;

  @KeyManagerProperty()
  keyManager?: string;

  @ApiProperty({ enum: GRANT_TYPES, isArray: true, example: ['client_credentials', 'password', 'refresh_token'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(GRANT_TYPES.length)
  @ArrayUnique()
  @IsOfferedGrantType()
  grantTypesToBeSupported!: GrantType[];

  @ApiPropertyOptional({ example: 'https://app.example.com/callback', description: 'Required with authorization_code' })
  @EmptyAsAbsent()
  @IsOptional()
  @IsRedirectUri()
  callbackUrl?: string;

  @ApiPropertyOptional({ example: 3600, description: 'Application access token lifetime, seconds (default: the Key Manager setting)' })
  @NumericString()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  validityTime?: number;

  @ApiPropertyOptional({
    type: [String],
    example: ['orders:read'],
    description:
      "The scopes the key's client may be granted (registered in the Key Manager) and its tokens ask for by default. Others requested later are dropped; a token granted none carries `default` (WSO2's behaviour).",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(SCOPE_TOKEN, { each: true, message: 'each scope must be an RFC 6749 scope token (printable, no spaces or quotes)' })
  scopes?: string[];

  @KeyAdditionalProperties()
  additionalProperties?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only in WSO2: ignored' })
  @Allow()
  clientId?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only in WSO2: ignored' })
  @Allow()
  clientSecret?: unknown;
}

/**
 * PUT oauth-keys/{keyMappingId}: WSO2's ApplicationKeyDTO. What can change: the grant types, the callback
 * URL and the additional properties; the other fields (consumer key and secret included, as WSO2 says) are
 * ignored, so the key can be sent back as `GET` returned it.
 */
export class UpdateApplicationKeyDto {
  @ApiPropertyOptional({ enum: GRANT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(GRANT_TYPES.length)
  @ArrayUnique()
  @IsOfferedGrantType()
  supportedGrantTypes?: GrantType[];

  @ApiPropertyOptional({ example: 'https://app.example.com/callback', nullable: true, description: 'Empty string or null removes it' })
  @Transform(({ value }: { value: unknown }) => (value === '' ? null : value))
  @IsOptional()
  @IsRedirectUri()
  callbackUrl?: string | null;

  @KeyAdditionalProperties()
  additionalProperties?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Ignored: keyMappingId, keyManager, consumerKey, consumerSecret, consumerSecrets, keyState, keyType, mode, groupId, token' })
  @Allow()
  keyMappingId?: unknown;

  @Allow() keyManager?: unknown;
  @Allow() consumerKey?: unknown;
  @Allow() consumerSecret?: unknown;
  @Allow() consumerSecrets?: unknown;
  @Allow() keyState?: unknown;
  @Allow() keyType?: unknown;
  @Allow() mode?: unknown;
  @Allow() groupId?: unknown;
  @Allow() token?: unknown;
}
