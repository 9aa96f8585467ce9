import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { NARROW_IN_MIGRATION_MAX_ROWS, narrowHashIndexes, type Query } from '../token-hash-indexes.js';

/**
 * Narrows the unique hash indexes of `oauth_tokens` to the rows without a selector (../token-hash-indexes.ts),
 * when the table holds at most {@link NARROW_IN_MIGRATION_MAX_ROWS} rows. A contract step
 * (test/migrations/contract-allow-list.ts); on a larger table it leaves the indexes as they are and says so:
 * `tokens narrow-hash-indexes` does it once no Key Manager of an earlier release runs.
 */
export class TokenHashIndexesForLegacyRows1797500000100 implements MigrationInterface {
  readonly name = 'TokenHashIndexesForLegacyRows1797500000100';
  readonly transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    const query: Query = (sql, parameters) => runner.query(sql, parameters);
    const [counted] = await query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM oauth_tokens LIMIT ${NARROW_IN_MIGRATION_MAX_ROWS + 1}) t`);
    const rows = Number(counted?.['n'] ?? 0);
    if (rows > NARROW_IN_MIGRATION_MAX_ROWS) {
      new Logger('TokenHashIndexes').warn(
        `oauth_tokens holds over ${NARROW_IN_MIGRATION_MAX_ROWS} rows: its hash indexes stay whole for Key Managers of earlier releases; ` +
          'once every Key Manager runs this release, `tokens narrow-hash-indexes` narrows them (docs/operations.md)',
      );
      return;
    }
    await narrowHashIndexes(query);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE UNIQUE INDEX IF NOT EXISTS oauth_tokens_access_token_hash_key ON oauth_tokens (access_token_hash)`);
    await runner.query(`CREATE UNIQUE INDEX IF NOT EXISTS oauth_tokens_refresh_token_hash_key ON oauth_tokens (refresh_token_hash)`);
    await runner.query(`DROP INDEX IF EXISTS oauth_tokens_legacy_access_token_hash_key`);
    await runner.query(`DROP INDEX IF EXISTS oauth_tokens_legacy_refresh_token_hash_key`);
  }
}
