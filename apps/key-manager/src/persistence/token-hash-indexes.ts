/**
 * The unique indexes that find tokens without a selector by their hash (@app/crypto token-selector.util).
 *
 * Before selectors, `oauth_tokens_access_token_hash_key` and `oauth_tokens_refresh_token_hash_key` held every
 * row: each new token went to a random leaf of them. Narrowed, they hold only rows without a selector (issued
 * before selectors, or imported from WSO2), so a new token's row touches no random page; rows with selectors
 * are found by `oauth_tokens_access_token_selector_key` and `…_refresh_token_selector_key`, in time order.
 *
 * Narrowing is a contract step: a Key Manager of a release before selectors looks tokens up by hash with no
 * predicate, which only the full indexes serve — against narrowed ones its look-ups scan the whole table. So the
 * migration narrows them only on a small table (where such a scan costs little and the index builds take
 * a moment), and `tokens narrow-hash-indexes` (apps/cli) does it on a large one once every Key Manager runs a
 * release with selectors. Each step is idempotent and builds CONCURRENTLY (no lock that holds writes back), so
 * the work can stop anywhere and run again.
 */

/** Runs one statement with parameters and returns its rows. */
export type Query = (sql: string, parameters?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** Up to this many stored token rows, the migration narrows the indexes itself. */
export const NARROW_IN_MIGRATION_MAX_ROWS = 100_000;

export const LEGACY_HASH_INDEXES = [
  {
    name: 'oauth_tokens_legacy_access_token_hash_key',
    definition: 'ON oauth_tokens (access_token_hash) WHERE access_token_selector IS NULL',
    replaces: 'oauth_tokens_access_token_hash_key',
  },
  {
    name: 'oauth_tokens_legacy_refresh_token_hash_key',
    definition: 'ON oauth_tokens (refresh_token_hash) WHERE refresh_token_selector IS NULL AND refresh_token_hash IS NOT NULL',
    replaces: 'oauth_tokens_refresh_token_hash_key',
  },
] as const;

/**
 * Creates a unique index CONCURRENTLY unless a valid one of that name exists; rebuilds one a stopped earlier
 * attempt left invalid. Must run outside a transaction.
 */
export async function createUniqueIndexConcurrently(query: Query, name: string, definition: string): Promise<void> {
  const [existing] = await query(
    `SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))`,
    [name],
  );
  if (existing === undefined) await query(`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${name} ${definition}`);
  else if (existing['valid'] !== true) await query(`REINDEX INDEX CONCURRENTLY ${name}`);
}

/** Whether the full hash indexes are still there (not narrowed yet). */
export async function hashIndexesNarrowed(query: Query): Promise<boolean> {
  const rows = await query(
    `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY($1::text[])`,
    [LEGACY_HASH_INDEXES.map((i) => i.replaces)],
  );
  return rows[0]?.['n'] === 0;
}

/** Narrows the hash indexes: builds the partial ones, then drops the full ones. Outside a transaction. */
export async function narrowHashIndexes(query: Query): Promise<void> {
  for (const index of LEGACY_HASH_INDEXES) await createUniqueIndexConcurrently(query, index.name, index.definition);
  for (const index of LEGACY_HASH_INDEXES) await query(`DROP INDEX CONCURRENTLY IF EXISTS ${index.replaces}`);
}
