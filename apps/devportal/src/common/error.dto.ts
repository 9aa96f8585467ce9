import { STATUS_CODES } from 'node:http';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorListItemDto {
  @ApiProperty({ example: 'isString', description: 'What kind of problem (for field errors, the failed rule)' })
  code!: string;

  @ApiProperty({ example: 'name must be a string' })
  message!: string;
}

/** WSO2's ErrorDTO: every error the portal API answers has this shape. */
export class ErrorDto {
  @ApiProperty({ example: 400, description: 'The HTTP status code' })
  code!: number;

  @ApiProperty({ example: 'Bad Request', description: 'The reason phrase of the status' })
  message!: string;

  @ApiProperty({ example: 'name must be a string', description: 'What was wrong' })
  description!: string;

  @ApiPropertyOptional({ description: 'More information, e.g. the error id of an internal error' })
  moreInfo?: string;

  @ApiPropertyOptional({ type: [ErrorListItemDto], description: 'One entry per invalid field' })
  error?: ErrorListItemDto[];
}

/** Builds the WSO2-style error body for a status. */
export function errorBody(status: number, description: string, extra: Partial<Pick<ErrorDto, 'moreInfo' | 'error'>> = {}): ErrorDto {
  return { code: status, message: STATUS_CODES[status] ?? 'Error', description, ...extra };
}
