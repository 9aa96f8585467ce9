import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A key's own consumer secret can be revoked now that a client may hold several (WSO2 4.7): the portal's
 * copy of it is then cleared. Additive: the columns only stop being required; an instance of the previous
 * release reads a cleared row as a key whose secret it cannot show.
 */
export class DevportalRevocableConsumerSecret1797100000000 implements MigrationInterface {
  name = 'DevportalRevocableConsumerSecret1797100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE application_keys ALTER COLUMN consumer_secret DROP NOT NULL, ALTER COLUMN consumer_secret_scheme DROP NOT NULL, ALTER COLUMN consumer_secret_hash DROP NOT NULL`,
    );
  }

  /** Fails while a key's own secret is revoked (regenerate it first): keys are never deleted to make room. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE application_keys ALTER COLUMN consumer_secret SET NOT NULL, ALTER COLUMN consumer_secret_scheme SET NOT NULL, ALTER COLUMN consumer_secret_hash SET NOT NULL`,
    );
  }
}
