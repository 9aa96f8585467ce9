import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { retryOnDatabaseFault } from '@app/platform';
import { KeysAlreadyGeneratedError } from '../common/devportal.errors.js';
import { ApplicationKeyEntity } from './application-key.entity.js';
import { uniqueViolation } from './persistence.js';

/** The `application_keys` table. Callers check the application's owner first. */
@Injectable()
export class ApplicationKeysRepository {
  constructor(@InjectRepository(ApplicationKeyEntity) private readonly rows: Repository<ApplicationKeyEntity>) {}

  listForApplication(applicationId: string): Promise<ApplicationKeyEntity[]> {
    return retryOnDatabaseFault(() => this.rows.find({ where: { applicationId }, order: { keyType: 'ASC' } }));
  }

  find(applicationId: string, id: string): Promise<ApplicationKeyEntity | null> {
    return retryOnDatabaseFault(() => this.rows.findOneBy({ applicationId, id }));
  }

  findByType(applicationId: string, keyType: string): Promise<ApplicationKeyEntity | null> {
    return retryOnDatabaseFault(() => this.rows.findOneBy({ applicationId, keyType }));
  }

  /** Inserts a new key row; a second key of the same type for the application becomes a domain error. */
  async insert(row: ApplicationKeyEntity): Promise<void> {
    try {
      await this.rows.insert(row);
    } catch (error) {
      if (uniqueViolation(error) === 'application_keys_application_key_type_key') throw new KeysAlreadyGeneratedError(row.keyType);
      throw error;
    }
  }

  async save(row: ApplicationKeyEntity): Promise<ApplicationKeyEntity> {
    return this.rows.save(row);
  }

  async delete(applicationId: string, id: string): Promise<void> {
    await this.rows.delete({ applicationId, id });
  }
}
