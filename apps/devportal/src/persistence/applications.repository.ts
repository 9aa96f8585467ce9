import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { retryOnDatabaseFault } from '@app/platform';
import { ApplicationNameTakenError } from '../common/devportal.errors.js';
import { ApplicationEntity } from './application.entity.js';
import { uniqueViolation } from './persistence.js';

export interface ApplicationListPage {
  limit: number;
  offset: number;
  name?: string;
  sortBy?: 'name' | 'throttlingPolicy' | 'status';
  sortOrder?: 'asc' | 'desc';
}

/** The `applications` table. Every read is scoped to an owner: one user never sees another's rows. */
@Injectable()
export class ApplicationsRepository {
  constructor(@InjectRepository(ApplicationEntity) private readonly rows: Repository<ApplicationEntity>) {}

  findOwned(owner: string, id: string): Promise<ApplicationEntity | null> {
    return retryOnDatabaseFault(() => this.rows.findOneBy({ owner, id }));
  }

  /**
   * One page of the owner's applications and how many there are: sorted by name (case-insensitively),
   * throttling policy or status, then by name and id so pages never overlap; `name` keeps the applications
   * whose name contains it, case-insensitively (WSO2's `query`: `NAME LIKE '%' || query || '%'`). The owner
   * prefix of the `(owner, lower(name))` index narrows the scan to the owner's rows before the filter.
   */
  async listOwned(owner: string, page: ApplicationListPage): Promise<{ rows: ApplicationEntity[]; total: number }> {
    const direction = page.sortOrder === 'desc' ? 'DESC' : 'ASC';
    const q = this.rows.createQueryBuilder('a').where('a.owner = :owner', { owner });
    if (page.name !== undefined) q.andWhere(`lower(a.name) LIKE lower(:pattern) ESCAPE '\\'`, { pattern: `%${likeLiteral(page.name)}%` });
    if (page.sortBy === 'throttlingPolicy') q.orderBy('a.throttling_policy', direction).addOrderBy('lower(a.name)', direction);
    else if (page.sortBy === 'status') q.orderBy('a.status', direction).addOrderBy('lower(a.name)', direction);
    else q.orderBy('lower(a.name)', direction);
    const [rows, total] = await retryOnDatabaseFault(() => q.addOrderBy('a.id', 'ASC').limit(page.limit).offset(page.offset).getManyAndCount());
    return { rows, total };
  }

  async nameTaken(owner: string, name: string, exceptId?: string): Promise<boolean> {
    const q = this.rows.createQueryBuilder('a').where('a.owner = :owner', { owner }).andWhere('lower(a.name) = lower(:name)', { name });
    if (exceptId) q.andWhere('a.id <> :exceptId', { exceptId });
    return (await retryOnDatabaseFault(() => q.getCount())) > 0;
  }

  /** Inserts or updates; a name another application of the owner already has becomes a domain error. */
  async save(row: ApplicationEntity): Promise<ApplicationEntity> {
    try {
      return await this.rows.save(row);
    } catch (error) {
      if (uniqueViolation(error) === 'applications_owner_name_key') throw new ApplicationNameTakenError(row.name);
      throw error;
    }
  }

  /** Deletes the application; its key rows go with it (ON DELETE CASCADE). */
  async delete(owner: string, id: string): Promise<void> {
    await this.rows.delete({ owner, id });
  }
}

/** The text as a LIKE pattern that matches only itself: `%`, `_` and the escape character `\` escaped. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
