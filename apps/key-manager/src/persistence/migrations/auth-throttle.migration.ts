import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The authentication throttle's counters, shared by every Key Manager instance (additive: an instance of the
 * previous release ignores the table). One row per counter: `key` names the account, the address, or the
 * account at one address (see AuthThrottle); `failures` counts within the window that ends `window`
 * seconds after `last_failure_at`; `locked_until` is set when a limit is reached.
 */
export class AuthThrottle1796900000000 implements MigrationInterface {
  readonly name = 'AuthThrottle1796900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE auth_failures (
        key text PRIMARY KEY,
        failures integer NOT NULL CHECK (failures >= 0),
        last_failure_at timestamptz NOT NULL,
        locked_until timestamptz
      )`);
    await runner.query(`CREATE INDEX auth_failures_last_failure_at_idx ON auth_failures (last_failure_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE auth_failures`);
  }
}
