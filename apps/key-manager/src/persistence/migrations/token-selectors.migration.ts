import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createUniqueIndexConcurrently, type Query } from '../token-hash-indexes.js';

/**
 * Selectors (@app/crypto token-selector.util): `oauth_tokens.access_token_selector` and
 * `refresh_token_selector`, each with a unique index on the rows that have one. Expand only: a Key Manager of
 * the previous release leaves them NULL and finds every token by its hash as before. The indexes are built
 * CONCURRENTLY (on a large table the build takes a while; writes go on meanwhile), so outside a transaction.
 */
export class TokenSelectors1797500000000 implements MigrationInterface {
  readonly name = 'TokenSelectors1797500000000';
  readonly transaction = false;

  async up(runner: QueryRunner): Promise<void> {
    const query: Query = (sql, parameters) => runner.query(sql, parameters);
    await query(`ALTER TABLE oauth_tokens ADD COLUMN IF NOT EXISTS access_token_selector uuid, ADD COLUMN IF NOT EXISTS refresh_token_selector uuid`);
    await createUniqueIndexConcurrently(query, 'oauth_tokens_access_token_selector_key', 'ON oauth_tokens (access_token_selector) WHERE access_token_selector IS NOT NULL');
    await createUniqueIndexConcurrently(query, 'oauth_tokens_refresh_token_selector_key', 'ON oauth_tokens (refresh_token_selector) WHERE refresh_token_selector IS NOT NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX IF EXISTS oauth_tokens_refresh_token_selector_key`);
    await runner.query(`DROP INDEX IF EXISTS oauth_tokens_access_token_selector_key`);
    await runner.query(`ALTER TABLE oauth_tokens DROP COLUMN IF EXISTS refresh_token_selector, DROP COLUMN IF EXISTS access_token_selector`);
  }
}
