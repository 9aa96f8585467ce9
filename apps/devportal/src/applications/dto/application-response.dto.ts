import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationDto } from '../../common/pagination.dto.js';
import { ApplicationKeyDto } from '../../application-keys/dto/application-key.dto.js';
import { APPLICATION_TOKEN_TYPES, type ApplicationTokenType } from './application-request.dto.js';

/** WSO2's ApplicationInfoDTO: an application in a list. */
export class ApplicationInfoDto {
  @ApiProperty({ format: 'uuid' })
  applicationId!: string;

  @ApiProperty({ example: 'PizzaShackApp' })
  name!: string;

  @ApiProperty({ example: 'Unlimited' })
  throttlingPolicy!: string;

  @ApiProperty({ nullable: true, type: String })
  description!: string | null;

  @ApiProperty({ enum: APPLICATION_TOKEN_TYPES })
  tokenType!: ApplicationTokenType;

  @ApiProperty({ example: 'APPROVED' })
  status!: string;

  @ApiProperty({ type: [String], example: [] })
  groups!: string[];

  @ApiProperty({ example: 0 })
  subscriptionCount!: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: {} })
  attributes!: Record<string, string>;

  @ApiProperty({ example: 'alice' })
  owner!: string;

  @ApiProperty({ description: 'Epoch milliseconds', example: '1764140000000' })
  createdTime!: string;

  @ApiProperty({ description: 'Epoch milliseconds', example: '1764140000000' })
  updatedTime!: string;
}

/** WSO2's ApplicationDTO: one application with its keys (consumer secrets are only in the oauth-keys resources). */
export class ApplicationDto extends ApplicationInfoDto {
  @ApiProperty({ type: [String], example: [] })
  subscriptionScopes!: string[];

  @ApiProperty({ example: false })
  hashEnabled!: boolean;

  @ApiPropertyOptional({ type: [ApplicationKeyDto] })
  keys?: ApplicationKeyDto[];
}

export class ApplicationListDto {
  @ApiProperty({ description: 'Items in this page' })
  count!: number;

  @ApiProperty({ type: [ApplicationInfoDto] })
  list!: ApplicationInfoDto[];

  @ApiProperty({ type: PaginationDto })
  pagination!: PaginationDto;
}
