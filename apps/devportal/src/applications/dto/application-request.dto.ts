import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { PaginationQueryDto } from '../../common/pagination.dto.js';
import { Allow, IsArray, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** WSO2's default application throttling tiers. */
export const APPLICATION_THROTTLING_POLICIES = ['Unlimited', '50PerMin', '20PerMin', '10PerMin'] as const;
export const DEFAULT_THROTTLING_POLICY = 'Unlimited';

/** JWT: self-contained access tokens; OAUTH: opaque ones (the Key Manager's `Default` token type). */
export const APPLICATION_TOKEN_TYPES = ['JWT', 'OAUTH'] as const;
export type ApplicationTokenType = (typeof APPLICATION_TOKEN_TYPES)[number];

/** WSO2's ApplicationDTO `visibility` values (devportal-api.yaml). */
export const APPLICATION_VISIBILITIES = ['PRIVATE', 'SHARED_WITH_ORG'] as const;

// Printable, without control characters, not starting or ending with white space.
const APPLICATION_NAME = /^[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u;

// class-validator checks a property's decorators from the bottom up and, with stopAtFirstError, reports the
// first that fails: the most basic check (is it there, is it a string) is the lowest decorator.

/**
 * WSO2's ApplicationDTO as a request body (devportal-api.yaml `Application`). WSO2's generated client sends
 * the whole DTO — `status: ""` on every create, and a `PUT` sends back what `GET` returned — so every field
 * of it is accepted. Read-only fields (`applicationId`, `status`, `subscriptionCount`, `keys`, `owner`,
 * `hashEnabled`, and this portal's `createdTime` / `updatedTime`) are ignored, as WSO2 ignores them; `groups`, `attributes`, `subscriptionScopes` and
 * `visibility` are checked for their type and ignored (no application sharing, attributes or
 * subscriptions here: docs/devportal.md "WSO2 compatibility"). A field that is in no WSO2 DTO is refused.
 */
export class CreateApplicationDto {
  @ApiProperty({ example: 'PizzaShackApp', minLength: 1, maxLength: 100, description: 'Unique per owner, case-insensitively' })
  @Matches(APPLICATION_NAME, { message: 'Application name cannot contain leading or trailing white spaces or control characters' })
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  @IsNotEmpty({ message: 'name must not be empty' })
  @IsString({ message: 'name must be a string' })
  name!: string;

  @ApiPropertyOptional({ enum: APPLICATION_THROTTLING_POLICIES, default: DEFAULT_THROTTLING_POLICY })
  @IsOptional()
  // Ends with WSO2's words: "Specified tier <name> is invalid" (ApplicationsApiServiceImpl.applicationsPost).
  @IsIn(APPLICATION_THROTTLING_POLICIES, {
    message: (args) => `throttlingPolicy must be one of: ${APPLICATION_THROTTLING_POLICIES.join(', ')} (Specified tier ${String(args.value).slice(0, 64)} is invalid)`,
  })
  throttlingPolicy?: string;

  @ApiPropertyOptional({ maxLength: 512, example: 'Orders pizza from the shack' })
  @IsOptional()
  @MaxLength(512, { message: 'description must be at most 512 characters' })
  @IsString({ message: 'description must be a string' })
  description?: string;

  @ApiPropertyOptional({ enum: APPLICATION_TOKEN_TYPES, default: 'JWT' })
  @IsOptional()
  @IsIn(APPLICATION_TOKEN_TYPES, { message: `tokenType must be one of: ${APPLICATION_TOKEN_TYPES.join(', ')}` })
  tokenType?: ApplicationTokenType;

  @ApiPropertyOptional({ type: [String], example: [], description: 'WSO2 application groups: accepted and ignored (no application sharing)' })
  @IsOptional()
  @IsString({ each: true, message: 'each value in groups must be a string' })
  @IsArray({ message: 'groups must be an array of strings' })
  groups?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: {}, description: 'WSO2 application attributes: accepted and ignored' })
  @IsOptional()
  @IsObject({ message: 'attributes must be an object of strings' })
  attributes?: Record<string, string>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, example: [], description: 'WSO2 subscription scopes: accepted and ignored (no subscriptions)' })
  @IsOptional()
  @IsArray({ message: 'subscriptionScopes must be an array' })
  subscriptionScopes?: unknown[];

  @ApiPropertyOptional({ enum: APPLICATION_VISIBILITIES, description: 'WSO2 application sharing: accepted and ignored (applications are private)' })
  @IsOptional()
  @IsIn(APPLICATION_VISIBILITIES, { message: `visibility must be one of: ${APPLICATION_VISIBILITIES.join(', ')}` })
  visibility?: string;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored' })
  @Allow()
  applicationId?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored (WSO2 clients send "")' })
  @Allow()
  status?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored' })
  @Allow()
  subscriptionCount?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored' })
  @Allow()
  keys?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored' })
  @Allow()
  owner?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored' })
  @Allow()
  hashEnabled?: unknown;

  // This portal's own read-only fields, so that a PUT may send back exactly what GET returned.
  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored' })
  @Allow()
  createdTime?: unknown;

  @ApiPropertyOptional({ readOnly: true, description: 'Read-only: ignored' })
  @Allow()
  updatedTime?: unknown;
}

/** PUT: the fields given replace the current ones; fields left out keep their values. */
export class UpdateApplicationDto extends PartialType(CreateApplicationDto) {}

/** WSO2's `GET /applications` sort fields and orders (devportal-api.yaml). */
export const APPLICATION_SORT_FIELDS = ['name', 'throttlingPolicy', 'status'] as const;
export type ApplicationSortField = (typeof APPLICATION_SORT_FIELDS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;

/**
 * `GET /applications` query: WSO2's `query` (a part of the application name, matched case-insensitively),
 * `sortBy`, `sortOrder` and `groupId` (accepted and ignored, as WSO2 itself takes the group from the
 * caller), with `limit` and `offset`.
 */
export class ApplicationListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Part of an application name: only applications whose name contains it (case-insensitively) are listed; %, _ and \\ are plain characters' })
  @IsOptional()
  @MaxLength(100, { message: 'query must be at most 100 characters' })
  @IsString({ message: 'query must be a string' })
  query?: string;

  @ApiPropertyOptional({ enum: APPLICATION_SORT_FIELDS, default: 'name' })
  @IsOptional()
  @IsIn(APPLICATION_SORT_FIELDS, { message: `sortBy must be one of: ${APPLICATION_SORT_FIELDS.join(', ')}` })
  sortBy?: ApplicationSortField;

  @ApiPropertyOptional({ enum: SORT_ORDERS, default: 'asc' })
  @IsOptional()
  @IsIn(SORT_ORDERS, { message: `sortOrder must be one of: ${SORT_ORDERS.join(', ')}` })
  sortOrder?: 'asc' | 'desc';

  @ApiPropertyOptional({ description: 'WSO2 application group: accepted and ignored (no application sharing)' })
  @IsOptional()
  @IsString({ message: 'groupId must be a string' })
  groupId?: string;
}
