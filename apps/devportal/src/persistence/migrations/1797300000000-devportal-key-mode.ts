import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How a key came to the application (WSO2's `AM_APPLICATION_KEY_MAPPING.CREATE_MODE`): `CREATED` by
 * generate-keys, or `MAPPED` — an existing client brought in with map-keys, which the portal neither renames
 * nor deletes. Additive: existing rows are `CREATED`; an instance of the previous release ignores the column
 * (and would delete a mapped client with its key, as it deletes every key's client).
 */
export class DevportalKeyMode1797300000000 implements MigrationInterface {
  name = 'DevportalKeyMode1797300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE application_keys ADD COLUMN mode text NOT NULL DEFAULT 'CREATED' CHECK (mode IN ('CREATED', 'MAPPED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE application_keys DROP COLUMN mode');
  }
}
