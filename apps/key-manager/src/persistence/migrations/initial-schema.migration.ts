import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Key Manager's tables, in the service schema (connections' search_path, so names are unqualified).
 *
 * Every secret column comes with `<column>_scheme` (how it was stored: `plain` or `<transformation>:<key id>`)
 * and `<column>_hash` (hex SHA-256 of the plaintext, unique): look-ups go by hash and never decrypt.
 * `oauth_tokens` has one row per access token with its optional refresh token, like WSO2's
 * IDN_OAUTH2_ACCESS_TOKEN; `family_id` ties every row refreshed from one original grant together, so that
 * reuse of a rotated refresh token or a replayed code can revoke the whole chain.
 */
export class InitialSchema1732600000000 implements MigrationInterface {
  readonly name = 'InitialSchema1732600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        username text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Names are unique regardless of case, as in WSO2's default user store.
    await runner.query(`CREATE UNIQUE INDEX users_username_key ON users (lower(username))`);

    await runner.query(`
      CREATE TABLE oauth_clients (
        id uuid PRIMARY KEY,
        client_id text NOT NULL,
        client_secret text,
        client_secret_scheme text,
        client_secret_hash text,
        client_name text NOT NULL,
        owner text NOT NULL,
        grant_types text[] NOT NULL,
        redirect_uris text[] NOT NULL DEFAULT '{}',
        token_type text NOT NULL CHECK (token_type IN ('JWT', 'Default')),
        application_token_lifetime integer NOT NULL CHECK (application_token_lifetime > 0),
        user_token_lifetime integer NOT NULL CHECK (user_token_lifetime > 0),
        refresh_token_lifetime integer NOT NULL CHECK (refresh_token_lifetime > 0),
        public_client boolean NOT NULL DEFAULT false,
        resource_server boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT oauth_clients_secret_check CHECK (
          (public_client AND client_secret IS NULL AND client_secret_hash IS NULL) OR
          (NOT public_client AND client_secret IS NOT NULL AND client_secret_scheme IS NOT NULL AND client_secret_hash IS NOT NULL)
        )
      )`);
    await runner.query(`CREATE UNIQUE INDEX oauth_clients_client_id_key ON oauth_clients (client_id)`);
    await runner.query(`CREATE UNIQUE INDEX oauth_clients_client_secret_hash_key ON oauth_clients (client_secret_hash)`);

    await runner.query(`
      CREATE TABLE authorization_codes (
        id uuid PRIMARY KEY,
        code text NOT NULL,
        code_scheme text NOT NULL,
        code_hash text NOT NULL,
        client_id text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
        username text NOT NULL,
        redirect_uri text NOT NULL,
        redirect_uri_in_request boolean NOT NULL,
        scopes text NOT NULL DEFAULT '',
        code_challenge text,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await runner.query(`CREATE UNIQUE INDEX authorization_codes_code_hash_key ON authorization_codes (code_hash)`);
    await runner.query(`CREATE INDEX authorization_codes_client_id_idx ON authorization_codes (client_id)`);
    await runner.query(`CREATE INDEX authorization_codes_expires_at_idx ON authorization_codes (expires_at)`);

    await runner.query(`
      CREATE TABLE oauth_tokens (
        id uuid PRIMARY KEY,
        client_id text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
        username text,
        scopes text NOT NULL DEFAULT '',
        token_type text NOT NULL CHECK (token_type IN ('JWT', 'Default')),
        grant_type text NOT NULL,
        access_token text NOT NULL,
        access_token_scheme text NOT NULL,
        access_token_hash text NOT NULL,
        refresh_token text,
        refresh_token_scheme text,
        refresh_token_hash text,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        refresh_expires_at timestamptz,
        revoked_at timestamptz,
        state text NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'INACTIVE', 'REVOKED')),
        family_id uuid NOT NULL,
        parent_id uuid,
        authorization_code_id uuid REFERENCES authorization_codes (id) ON DELETE SET NULL,
        signing_key_id text
      )`);
    await runner.query(`CREATE UNIQUE INDEX oauth_tokens_access_token_hash_key ON oauth_tokens (access_token_hash)`);
    await runner.query(`CREATE UNIQUE INDEX oauth_tokens_refresh_token_hash_key ON oauth_tokens (refresh_token_hash)`);
    await runner.query(`CREATE INDEX oauth_tokens_client_id_idx ON oauth_tokens (client_id)`);
    await runner.query(`CREATE INDEX oauth_tokens_family_id_idx ON oauth_tokens (family_id)`);
    await runner.query(`CREATE INDEX oauth_tokens_authorization_code_id_idx ON oauth_tokens (authorization_code_id) WHERE authorization_code_id IS NOT NULL`);
    // The clean-up job's two ways in: by expiry, and by revocation time.
    await runner.query(`CREATE INDEX oauth_tokens_expires_at_idx ON oauth_tokens (expires_at)`);
    await runner.query(`CREATE INDEX oauth_tokens_revoked_at_idx ON oauth_tokens (revoked_at) WHERE revoked_at IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE oauth_tokens`);
    await runner.query(`DROP TABLE authorization_codes`);
    await runner.query(`DROP TABLE oauth_clients`);
    await runner.query(`DROP TABLE users`);
  }
}
