import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scopes a client may be granted (DCR `application_scopes` / `scope`, the portal's key generation
 * `scopes`): `oauth_clients.scopes`. Additive: an instance of the previous release never reads it.
 *
 * Existing clients start with none registered — not with the scopes their tokens carry, since those were
 * granted when any requested scope was: copying them would keep that hole open. Their tokens keep their
 * scopes until they expire; a refresh narrows to what the client may now have (`default` when nothing).
 * Register a client's scopes with a DCR update (docs/key-manager.md "Scopes").
 */
export class ClientScopes1797000000200 implements MigrationInterface {
  readonly name = 'ClientScopes1797000000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE oauth_clients ADD COLUMN IF NOT EXISTS scopes text[] NOT NULL DEFAULT '{}'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE oauth_clients DROP COLUMN IF EXISTS scopes`);
  }
}
