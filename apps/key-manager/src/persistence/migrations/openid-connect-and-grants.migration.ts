import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenID Connect and the extension grants (additive only: an instance of the previous release keeps working
 * against the migrated schema, it simply never reads the new columns and tables).
 *
 * - `authorization_codes.nonce` and `.auth_time`: what the ID token issued for the code repeats (OIDC Core
 *   §3.1.2.1 nonce, §2 auth_time: when the user signed in).
 * - `oauth_tokens.auth_time`: carried along a refresh chain, so an ID token issued on refresh keeps the
 *   original authentication time (OIDC Core §12.2).
 * - `device_authorizations`: RFC 8628 device codes. The device code is a secret like an authorization code
 *   (`device_code`, `_scheme`, `_hash`, see STORED_SECRETS); the user code is short-lived and only ever
 *   looked up, so only its hash is kept.
 * - `used_assertions`: the `jti` of every JWT accepted by the jwt-bearer grant until it expires, so an
 *   assertion works once, on every instance.
 */
export class OpenIdConnectAndGrants1796606441320 implements MigrationInterface {
  readonly name = 'OpenIdConnectAndGrants1796606441320';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE authorization_codes ADD COLUMN IF NOT EXISTS nonce text, ADD COLUMN IF NOT EXISTS auth_time timestamptz`);
    await runner.query(`ALTER TABLE oauth_tokens ADD COLUMN IF NOT EXISTS auth_time timestamptz`);

    await runner.query(`
      CREATE TABLE device_authorizations (
        id uuid PRIMARY KEY,
        device_code text NOT NULL,
        device_code_scheme text NOT NULL,
        device_code_hash text NOT NULL,
        user_code_hash text NOT NULL,
        client_id text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
        scopes text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'AUTHORIZED', 'DENIED', 'USED')),
        username text,
        auth_time timestamptz,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        polling_interval integer NOT NULL CHECK (polling_interval > 0),
        last_polled_at timestamptz
      )`);
    await runner.query(`CREATE UNIQUE INDEX device_authorizations_device_code_hash_key ON device_authorizations (device_code_hash)`);
    await runner.query(`CREATE UNIQUE INDEX device_authorizations_user_code_hash_key ON device_authorizations (user_code_hash)`);
    await runner.query(`CREATE INDEX device_authorizations_client_id_idx ON device_authorizations (client_id)`);
    await runner.query(`CREATE INDEX device_authorizations_expires_at_idx ON device_authorizations (expires_at)`);

    await runner.query(`
      CREATE TABLE used_assertions (
        issuer text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (issuer, jti)
      )`);
    await runner.query(`CREATE INDEX used_assertions_expires_at_idx ON used_assertions (expires_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE used_assertions`);
    await runner.query(`DROP TABLE device_authorizations`);
    await runner.query(`ALTER TABLE oauth_tokens DROP COLUMN auth_time`);
    await runner.query(`ALTER TABLE authorization_codes DROP COLUMN nonce, DROP COLUMN auth_time`);
  }
}
