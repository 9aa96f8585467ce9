import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { retryOnDatabaseFault } from '@app/platform';
import { KeyMappingExistsError, KeysAlreadyGeneratedError } from '../common/devportal.errors.js';
import { ApplicationKeyEntity } from './application-key.entity.js';
import { ApplicationEntity } from './application.entity.js';
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

  /**
   * The key, when its application is the owner's: one statement for what the owner check and the key read
   * did in two (every key operation of the portal, generate-token among them, starts with it). Null when
   * either is missing; the caller tells which apart on that (rare) path.
   */
  findOwned(owner: string, applicationId: string, id: string): Promise<ApplicationKeyEntity | null> {
    return retryOnDatabaseFault(() =>
      this.rows
        .createQueryBuilder('k')
        .innerJoin(ApplicationEntity, 'a', 'a.id = k.application_id AND a.owner = :owner', { owner })
        .where('k.id = :id AND k.application_id = :applicationId', { id, applicationId })
        .getOne(),
    );
  }

  findByType(applicationId: string, keyType: string): Promise<ApplicationKeyEntity | null> {
    return retryOnDatabaseFault(() => this.rows.findOneBy({ applicationId, keyType }));
  }

  /** Whether any application (anyone's) has a key with this consumer key. */
  async consumerKeyTaken(consumerKey: string): Promise<boolean> {
    return retryOnDatabaseFault(() => this.rows.existsBy({ consumerKey }));
  }

  /**
   * Inserts a new key row; a second key of the same type for the application, or a second key with the same
   * consumer key (a client mapped twice), becomes a domain error.
   */
  async insert(row: ApplicationKeyEntity): Promise<void> {
    try {
      await this.rows.insert(row);
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint === 'application_keys_application_key_type_key') throw new KeysAlreadyGeneratedError(row.keyType);
      if (constraint === 'application_keys_consumer_key_key') throw new KeyMappingExistsError(row.consumerKey);
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
