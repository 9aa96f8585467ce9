import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WSO2's per-application PKCE settings (additive only: an instance of the previous release keeps working
 * against the migrated schema, it never reads the new columns and their defaults keep its behaviour).
 *
 * - `oauth_clients.pkce_mandatory`: WSO2's `pkceMandatory` — the code grant needs a PKCE challenge even
 *   for a confidential client (public clients always need one).
 * - `oauth_clients.pkce_support_plain`: WSO2's `pkceSupportPlain` — the `plain` method is allowed.
 */
export class PkceSettings1797000000000 implements MigrationInterface {
  readonly name = 'PkceSettings1797000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE oauth_clients ADD COLUMN IF NOT EXISTS pkce_mandatory boolean NOT NULL DEFAULT false, ADD COLUMN IF NOT EXISTS pkce_support_plain boolean NOT NULL DEFAULT false`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE oauth_clients DROP COLUMN IF EXISTS pkce_mandatory, DROP COLUMN IF EXISTS pkce_support_plain`);
  }
}
