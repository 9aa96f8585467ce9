import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { Repository } from 'typeorm';
import { retryOnDatabaseFault } from '@app/platform';
import { KeyMappingExistsError, KeysAlreadyGeneratedError } from '../common/devportal.errors.js';
import { ApplicationKeyEntity, type KeyMode } from './application-key.entity.js';
import { uniqueViolation } from './persistence.js';

/** The `application_keys` table. Callers check the application's owner first. */
@Injectable()
export class ApplicationKeysRepository {
  private readonly pool: Pool;

  constructor(@InjectRepository(ApplicationKeyEntity) private readonly rows: Repository<ApplicationKeyEntity>) {
    // TypeORM's Postgres driver keeps its node-postgres pool (connections on the portal's search_path) as `master`.
    this.pool = (rows.manager.connection.driver as unknown as { master: Pool }).master;
  }

  listForApplication(applicationId: string): Promise<ApplicationKeyEntity[]> {
    return retryOnDatabaseFault(() => this.rows.find({ where: { applicationId }, order: { keyType: 'ASC' } }));
  }

  find(applicationId: string, id: string): Promise<ApplicationKeyEntity | null> {
    return retryOnDatabaseFault(() => this.rows.findOneBy({ applicationId, id }));
  }

  /**
   * The key, when its application is the owner's: one statement for what the owner check and the key read
   * did in two (every key operation of the portal, generate-token among them, starts with it). Null when
   * either is missing; the caller tells which apart on that (rare) path. Plain SQL as a named statement on
   * TypeORM's own pool (prepared once per connection), not the query builder, whose query-text building
   * and entity mapping showed in the portal's profile on every generate-token.
   */
  async findOwned(owner: string, applicationId: string, id: string): Promise<ApplicationKeyEntity | null> {
    const result = await retryOnDatabaseFault(() => this.pool.query<OwnedKeyRow>({ ...FIND_OWNED_KEY, values: [owner, id, applicationId] }));
    const row = result.rows[0];
    return row ? toEntity(row) : null;
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

const FIND_OWNED_KEY = {
  name: 'devportal.application_keys.find_owned',
  text: `SELECT k.id, k.application_id, k.key_type, k.consumer_key, k.consumer_secret, k.consumer_secret_scheme, k.consumer_secret_hash,
                k.supported_grant_types, k.callback_url, k.key_state, k.mode, k.validity_time, k.scopes, k.created_at, k.updated_at
           FROM application_keys k JOIN applications a ON a.id = k.application_id AND a.owner = $1
          WHERE k.id = $2 AND k.application_id = $3`,
};

interface OwnedKeyRow {
  id: string;
  application_id: string;
  key_type: string;
  consumer_key: string;
  consumer_secret: string | null;
  consumer_secret_scheme: string | null;
  consumer_secret_hash: string | null;
  supported_grant_types: string[];
  callback_url: string | null;
  key_state: string;
  mode: KeyMode;
  validity_time: number;
  scopes: string[];
  created_at: Date;
  updated_at: Date;
}

function toEntity(row: OwnedKeyRow): ApplicationKeyEntity {
  return Object.assign(new ApplicationKeyEntity(), {
    id: row.id,
    applicationId: row.application_id,
    keyType: row.key_type,
    consumerKey: row.consumer_key,
    consumerSecret: row.consumer_secret,
    consumerSecretScheme: row.consumer_secret_scheme,
    consumerSecretHash: row.consumer_secret_hash,
    supportedGrantTypes: row.supported_grant_types,
    callbackUrl: row.callback_url,
    keyState: row.key_state,
    mode: row.mode,
    validityTime: row.validity_time,
    scopes: row.scopes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}
