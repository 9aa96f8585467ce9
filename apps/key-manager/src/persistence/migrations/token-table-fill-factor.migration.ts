import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `oauth_tokens` keeps 10 % of each page free for new rows (fillfactor 90; PostgreSQL's default is 100).
 *
 * Two reasons, both measured (docs/benchmarks.md, table-size and migrate): a change to a row that touches no
 * indexed column (refresh rotation's state change, `tokens migrate` rewriting a value) fits on the row's own page
 * more often, so PostgreSQL makes it in place (HOT) without a new entry in every index (re-encryption RSA-OAEP →
 * AES-GCM: 28 % → 40 % of its updates); and a new token does not go into the few hundred bytes a full page has left — PostgreSQL asks its
 * free-space map for a page with room for the row plus that reserve — so new rows fill new or emptied pages in
 * turn instead of one old page each, which at millions of rows is an old page to read and, the first time after
 * each checkpoint, write whole to the WAL. Affects rows written from now on; existing pages are not rewritten.
 * Takes a lock that only holds other schema changes back, for a moment.
 */
export class TokenTableFillFactor1797500000200 implements MigrationInterface {
  readonly name = 'TokenTableFillFactor1797500000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE oauth_tokens SET (fillfactor = 90)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE oauth_tokens RESET (fillfactor)`);
  }
}
