import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/**
 * `?limit=&offset=` of list endpoints. class-validator checks from the lowest decorator up and reports the
 * first failure: the type check is the lowest, so `?limit=abc` says it is not a number.
 */
export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @Max(MAX_PAGE_SIZE, { message: `limit must be at most ${MAX_PAGE_SIZE}` })
  @Min(1, { message: 'limit must be at least 1' })
  @IsInt({ message: 'limit must be a whole number' })
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @Max(2_147_483_647, { message: 'offset must be at most 2147483647' })
  @Min(0, { message: 'offset must not be negative' })
  @IsInt({ message: 'offset must be a whole number' })
  offset: number = 0;
}

/** WSO2's PaginationDTO: `next` / `previous` are relative links, empty when there is no such page. */
export class PaginationDto {
  @ApiProperty({ example: 0 })
  offset!: number;

  @ApiProperty({ example: 25 })
  limit!: number;

  @ApiProperty({ example: 2, description: 'Items in all pages' })
  total!: number;

  @ApiProperty({ example: '/applications?limit=25&offset=25' })
  next!: string;

  @ApiProperty({ example: '' })
  previous!: string;
}

/** The pagination block for one page of `path`; `carry` are query parameters the links keep (e.g. the sort). */
export function paginate(path: string, page: { limit: number; offset: number }, total: number, carry: Record<string, string | undefined> = {}): PaginationDto {
  const { limit, offset } = page;
  const kept = Object.entries(carry)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `&${name}=${encodeURIComponent(value)}`)
    .join('');
  const next = offset + limit < total ? `${path}?limit=${limit}&offset=${offset + limit}${kept}` : '';
  const previous = offset > 0 ? `${path}?limit=${limit}&offset=${Math.max(0, offset - limit)}${kept}` : '';
  return { offset, limit, total, next, previous };
}
