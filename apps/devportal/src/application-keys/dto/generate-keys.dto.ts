import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { GRANT_TYPES, type GrantType } from '@app/contracts';
import { EmptyAsAbsent, IsOfferedGrantType, IsRedirectUri, NumericString } from './validation.util.js';

export const KEY_TYPES = ['PRODUCTION', 'SANDBOX'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** The only key manager there is; WSO2 clients name it. */
export const RESIDENT_KEY_MANAGER = 'Resident Key Manager';

export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3

export class GenerateKeysDto {
  @ApiProperty({ enum: KEY_TYPES })
  @IsIn(KEY_TYPES)
  keyType!: KeyType;

  @ApiPropertyOptional({ enum: [RESIDENT_KEY_MANAGER, 'Default'], default: RESIDENT_KEY_MANAGER })
  @IsOptional()
  @IsIn([RESIDENT_KEY_MANAGER, 'Default'])
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

  @ApiPropertyOptional({ type: [String], example: ['default'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(SCOPE_TOKEN, { each: true, message: 'each scope must be an RFC 6749 scope token (printable, no spaces or quotes)' })
  scopes?: string[];
}

/** PUT oauth-keys/{keyMappingId}: what can change on an existing key. */
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
}
