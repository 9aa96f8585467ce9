import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web app's sign-ins (additive): sign-ins under way (state → PKCE verifier, minutes long) and sessions.
 * A session row is found by the SHA-256 of its cookie and holds its Key Manager tokens sealed with a key
 * derived from the cookie (AES-256-GCM): the table alone opens nothing.
 */
export class DevportalWebSessions1796620000000 implements MigrationInterface {
  name = 'DevportalWebSessions1796620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE web_sign_ins (
        state_hash     text PRIMARY KEY,
        binding_hash   text NOT NULL,
        code_verifier  text NOT NULL,
        return_to      text NOT NULL,
        expires_at     timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE web_sessions (
        id                 text PRIMARY KEY,
        username           text NOT NULL,
        tokens             text NOT NULL,
        csrf_token         text NOT NULL,
        access_expires_at  timestamptz NOT NULL,
        expires_at         timestamptz NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        refreshed_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE web_sessions`);
    await q.query(`DROP TABLE web_sign_ins`);
  }
}
