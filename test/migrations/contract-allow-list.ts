/**
 * Migration statements that are not purely additive ("contract" steps of expand/contract), each reviewed:
 * what it does to an instance of the previous release still running against the migrated schema, and the
 * release it ships in. `expand-contract.spec.ts` refuses any other such statement in a migration's `up`.
 *
 * A contract step (dropping a column the previous release still reads, a rename, a type change, a new
 * constraint old writes may break) ships one release *after* the code that stopped needing the old shape,
 * so that during a rolling upgrade no running instance depends on it. Add an entry only for such a step.
 */
export interface ContractStep {
  /** The migration's `name`. */
  migration: string;
  /** Matches the statement (whitespace collapsed). */
  statement: RegExp;
  /** The release (package.json `version`) the migration ships in. */
  release: string;
  /** Why the previous release keeps working. */
  why: string;
}

export const CONTRACT_ALLOW_LIST: readonly ContractStep[] = [
  {
    migration: 'ClientSecrets1797100000000',
    statement: /^ALTER TABLE oauth_clients DROP CONSTRAINT IF EXISTS oauth_clients_secret_check$/,
    release: '0.1.0',
    why: 'replaced at once by the next statement (drop and re-add of the same CHECK, in the migration transaction)',
  },
  {
    migration: 'ClientSecrets1797100000000',
    statement: /^ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_secret_check CHECK/,
    release: '0.1.0',
    why:
      'the re-added CHECK also admits a confidential client whose secrets live in oauth_client_secrets. PostgreSQL validates it against every existing row, so a deployment either upgrades with its rows intact or the migration fails before the new version serves. Reviewed, not run by the rolling-upgrade test (its baseline is later)',
  },
  {
    migration: 'DevportalRevocableConsumerSecret1797100000000',
    statement: /^ALTER TABLE application_keys ALTER COLUMN consumer_secret DROP NOT NULL/,
    release: '0.1.0',
    why:
      'relaxes NOT NULL (expand: every write of the previous release still fits). A previous-release portal reading a key whose secret this one revoked (NULL) is not covered by a test: the rolling-upgrade test upgrades the Key Manager only',
  },
  {
    migration: 'TokenHashIndexesForLegacyRows1797500000100',
    statement: /^DROP INDEX CONCURRENTLY IF EXISTS oauth_tokens_(access|refresh)_token_hash_key$/,
    release: '0.1.0',
    why:
      'run only when oauth_tokens holds at most 100,000 rows (token-hash-indexes.ts), after the partial index that replaces it is built. A Key Manager of the previous release still finds every token, its own and those with selectors, by hash: with no predicate it cannot use the partial index, so it scans the table, which at that size costs milliseconds (rolling-upgrade.e2e runs it). Larger tables keep the full indexes until `tokens narrow-hash-indexes`, run once no earlier Key Manager is left',
  },
];
