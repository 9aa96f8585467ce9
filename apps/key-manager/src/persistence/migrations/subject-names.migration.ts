import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * User names and client ids share one namespace of token subjects (a user token's `sub` is the user name, a
 * client_credentials token's the client id): sign-up looks client ids up regardless of case, so they get an
 * index on `lower(client_id)`. Additive.
 */
export class SubjectNames1797000000100 implements MigrationInterface {
  readonly name = 'SubjectNames1797000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX IF NOT EXISTS oauth_clients_lower_client_id_idx ON oauth_clients (lower(client_id))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX IF EXISTS oauth_clients_lower_client_id_idx`);
  }
}
