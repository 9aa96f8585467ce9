import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `rpc_idempotency`: the first answer to each bus command sent with an idempotency key (additive only: a
 * previous release never reads it). Keyed by the SHA-256 of the key; the answer is encrypted with a key
 * derived from the idempotency key itself, which is never stored, so the table holds no readable secret.
 * Rows expire after minutes (`expires_at`), long after any retry.
 */
export class RpcIdempotency1796700000000 implements MigrationInterface {
  readonly name = 'RpcIdempotency1796700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS rpc_idempotency (
        key_hash text PRIMARY KEY,
        pattern text NOT NULL,
        request_hash text NOT NULL,
        result text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await runner.query(`CREATE INDEX IF NOT EXISTS rpc_idempotency_expires_at_idx ON rpc_idempotency (expires_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE rpc_idempotency`);
  }
}
