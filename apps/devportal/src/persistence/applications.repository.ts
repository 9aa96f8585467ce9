import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ApplicationNameTakenError } from '../common/devportal.errors.js';
import { ApplicationEntity } from './application.entity.js';
import { uniqueViolation } from './persistence.js';

/** The `applications` table. Every read is scoped to an owner: one user never sees another's rows. */
@Injectable()
export class ApplicationsRepository {
  constructor(@InjectRepository(ApplicationEntity) private readonly rows: Repository<ApplicationEntity>) {}

  findOwned(owner: string, id: string): Promise<ApplicationEntity | null> {
    return this.rows.findOneBy({ owner, id });
  }

  /** One page of the owner's applications, by name (case-insensitively), and how many there are. */
  async listOwned(owner: string, page: { limit: number; offset: number }): Promise<{ rows: ApplicationEntity[]; total: number }> {
    const [rows, total] = await this.rows
      .createQueryBuilder('a')
      .where('a.owner = :owner', { owner })
      .orderBy('lower(a.name)', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(page.limit)
      .offset(page.offset)
      .getManyAndCount();
    return { rows, total };
  }

  async nameTaken(owner: string, name: string, exceptId?: string): Promise<boolean> {
    const q = this.rows.createQueryBuilder('a').where('a.owner = :owner', { owner }).andWhere('lower(a.name) = lower(:name)', { name });
    if (exceptId) q.andWhere('a.id <> :exceptId', { exceptId });
    return (await q.getCount()) > 0;
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
