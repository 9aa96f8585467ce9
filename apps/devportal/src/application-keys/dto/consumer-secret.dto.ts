import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { CLIENT_SECRET_DESCRIPTION_MAX, CLIENT_SECRET_EXPIRES_IN_MAX } from '@app/contracts';
import { NumericString } from './validation.util.js';

/**
 * WSO2's ConsumerSecretCreationRequestDTO (devportal-api.yaml, API-M 4.7): `additionalProperties` with
 * `description` and `expiresIn` (seconds). Older clients send the two at the top level; both forms are
 * accepted, the one inside `additionalProperties` wins.
 */
export class ConsumerSecretCreationRequestDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { description: 'pizza application secret', expiresIn: 86400 },
    description: 'description (up to 1024 characters) and expiresIn (seconds; absent or 0: never expires). Other properties are ignored, as WSO2 ignores them.',
  })
  @Allow()
  additionalProperties?: unknown;

  @ApiPropertyOptional({ maxLength: CLIENT_SECRET_DESCRIPTION_MAX, description: 'As additionalProperties.description' })
  @IsOptional()
  @IsString()
  @MaxLength(CLIENT_SECRET_DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: CLIENT_SECRET_EXPIRES_IN_MAX, description: 'As additionalProperties.expiresIn' })
  @NumericString()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(CLIENT_SECRET_EXPIRES_IN_MAX)
  expiresIn?: number;
}

/** WSO2's ConsumerSecretDeletionRequestDTO. */
export class ConsumerSecretDeletionRequestDto {
  @ApiProperty({ description: 'The secretId to revoke', example: '0b7f6a8e-2d4c-4a8f-9a39-6f1e3f6a9c11' })
  @IsString()
  @Length(1, 255)
  secretId!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Accepted and ignored, as WSO2 does' })
  @Allow()
  additionalProperties?: unknown;
}

/** What WSO2 puts in a ConsumerSecretDTO's `additionalProperties`. */
export class ConsumerSecretPropertiesDto {
  @ApiPropertyOptional({ example: 'pizza application secret' })
  description?: string;

  @ApiProperty({ description: 'Expiry, Unix epoch seconds; 0 when it never expires (as WSO2 answers)', example: 1761568483 })
  expiresAt!: number;

  @ApiProperty({ description: 'When it was issued, Unix epoch seconds', example: 1761482083 })
  createdAt!: number;
}

/** WSO2's ConsumerSecretDTO: `secretValue` only in the answer to generate-secret (shown once). */
export class ConsumerSecretDto {
  @ApiProperty({ example: '0b7f6a8e-2d4c-4a8f-9a39-6f1e3f6a9c11' })
  secretId!: string;

  @ApiPropertyOptional({ description: 'The secret itself: only in the answer to generate-secret, never again' })
  secretValue?: string;

  @ApiProperty({ type: ConsumerSecretPropertiesDto })
  additionalProperties!: ConsumerSecretPropertiesDto;
}

/** WSO2's ConsumerSecretListDTO. */
export class ConsumerSecretListDto {
  @ApiProperty()
  count!: number;

  @ApiProperty({ type: [ConsumerSecretDto] })
  list!: ConsumerSecretDto[];
}
