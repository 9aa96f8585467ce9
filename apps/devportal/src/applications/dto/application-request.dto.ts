import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

/** WSO2's default application throttling tiers. */
export const APPLICATION_THROTTLING_POLICIES = ['Unlimited', '50PerMin', '20PerMin', '10PerMin'] as const;
export const DEFAULT_THROTTLING_POLICY = 'Unlimited';

/** JWT: self-contained access tokens; OAUTH: opaque ones (the Key Manager's `Default` token type). */
export const APPLICATION_TOKEN_TYPES = ['JWT', 'OAUTH'] as const;
export type ApplicationTokenType = (typeof APPLICATION_TOKEN_TYPES)[number];

// Printable, without control characters, not starting or ending with white space.
const APPLICATION_NAME = /^[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u;

export class CreateApplicationDto {
  @ApiProperty({ example: 'PizzaShackApp', minLength: 1, maxLength: 100, description: 'Unique per owner, case-insensitively' })
  @IsString()
  @Length(1, 100)
  @Matches(APPLICATION_NAME, { message: 'name must not start or end with white space or hold control characters' })
  name!: string;

  @ApiPropertyOptional({ enum: APPLICATION_THROTTLING_POLICIES, default: DEFAULT_THROTTLING_POLICY })
  @IsOptional()
  @IsIn(APPLICATION_THROTTLING_POLICIES)
  throttlingPolicy?: string;

  @ApiPropertyOptional({ maxLength: 512, example: 'Orders pizza from the shack' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  description?: string;

  @ApiPropertyOptional({ enum: APPLICATION_TOKEN_TYPES, default: 'JWT' })
  @IsOptional()
  @IsIn(APPLICATION_TOKEN_TYPES)
  tokenType?: ApplicationTokenType;
}

/** PUT: the fields given replace the current ones; fields left out keep their values. */
export class UpdateApplicationDto extends PartialType(CreateApplicationDto) {}
