import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several consumer secrets per client (WSO2 API-M 4.7's `IDN_OAUTH_CONSUMER_SECRETS`). Additive: an instance
 * of the previous release keeps working against the migrated schema — it reads only `oauth_clients`, so it
 * accepts the client's first secret and refuses the added ones (it fails closed, never open).
 *
 * - `oauth_client_secrets`: the secrets added beside the client's own (`oauth_clients.client_secret`), each
 *   stored like every other secret (value, scheme, lookup hash; `STORED_SECRETS`), with WSO2's optional
 *   description and expiry. Its `id` is the secret's `secretId`.
 * - `oauth_clients.client_secret_id`, `client_secret_created_at`: the id and age of the client's own secret,
 *   so it can be listed and revoked like the others.
 * - `oauth_clients_secret_check`: a confidential client's own secret may be absent (revoked, while a newer
 *   one beside it works); its three columns are still set or cleared together.
 */
export class ClientSecrets1797100000000 implements MigrationInterface {
  readonly name = 'ClientSecrets1797100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS oauth_client_secrets (
        id uuid PRIMARY KEY,
        client_id text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
        secret text NOT NULL,
        secret_scheme text NOT NULL,
        secret_hash text NOT NULL,
        description varchar(1024),
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX IF NOT EXISTS oauth_client_secrets_client_id_idx ON oauth_client_secrets (client_id)`);
    // The default fills the rows that exist and those an older instance inserts.
    await runner.query(
      `ALTER TABLE oauth_clients ADD COLUMN IF NOT EXISTS client_secret_id uuid DEFAULT gen_random_uuid(), ADD COLUMN IF NOT EXISTS client_secret_created_at timestamptz`,
    );
    await runner.query(`UPDATE oauth_clients SET client_secret_created_at = updated_at WHERE client_secret_created_at IS NULL`);
    await runner.query(`ALTER TABLE oauth_clients DROP CONSTRAINT IF EXISTS oauth_clients_secret_check`);
    await runner.query(`
      ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_secret_check CHECK (
        (client_secret IS NULL AND client_secret_scheme IS NULL AND client_secret_hash IS NULL) OR
        (NOT public_client AND client_secret IS NOT NULL AND client_secret_scheme IS NOT NULL AND client_secret_hash IS NOT NULL)
      )`);
  }

  /** Fails while a confidential client has no secret of its own (regenerate it first). */
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE oauth_clients DROP CONSTRAINT IF EXISTS oauth_clients_secret_check`);
    await runner.query(`
      ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_secret_check CHECK (
        (public_client AND client_secret IS NULL AND client_secret_hash IS NULL) OR
        (NOT public_client AND client_secret IS NOT NULL AND client_secret_scheme IS NOT NULL AND client_secret_hash IS NOT NULL)
      )`);
    await runner.query(`DROP TABLE IF EXISTS oauth_client_secrets`);
    await runner.query(`ALTER TABLE oauth_clients DROP COLUMN IF EXISTS client_secret_id, DROP COLUMN IF EXISTS client_secret_created_at`);
  }
}
