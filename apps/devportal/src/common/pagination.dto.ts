import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&offset=` of list endpoints. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
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

/** The pagination block for one page of `path`. */
export function paginate(path: string, page: { limit: number; offset: number }, total: number): PaginationDto {
  const { limit, offset } = page;
  const next = offset + limit < total ? `${path}?limit=${limit}&offset=${offset + limit}` : '';
  const previous = offset > 0 ? `${path}?limit=${limit}&offset=${Math.max(0, offset - limit)}` : '';
  return { offset, limit, total, next, previous };
}
