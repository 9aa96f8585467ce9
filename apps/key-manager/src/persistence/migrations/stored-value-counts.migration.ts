import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createStoredValueCounts, dropStoredValueCounts, runStatements, type CountedColumn } from '@app/platform';

/** The Key Manager's secret columns at this release (frozen here: a later catalog change must not alter this migration). */
const COLUMNS: CountedColumn[] = [
  { table: 'oauth_clients', value: 'client_secret', scheme: 'client_secret_scheme' },
  { table: 'oauth_client_secrets', value: 'secret', scheme: 'secret_scheme' },
  { table: 'oauth_tokens', value: 'access_token', scheme: 'access_token_scheme' },
  { table: 'oauth_tokens', value: 'refresh_token', scheme: 'refresh_token_scheme' },
  { table: 'authorization_codes', value: 'code', scheme: 'code_scheme' },
  { table: 'device_authorizations', value: 'device_code', scheme: 'device_code_scheme' },
];

/**
 * Running counts of stored values by scheme (`stored_value_counts`, kept by statement-level triggers; see
 * libs/platform stored-value-counts.ts), so that the stored-values report, the readiness check and
 * `tokens status` read a few rows instead of scanning every secret column. Additive: an instance of the
 * previous release keeps counting with its own scans, and its writes are counted by the triggers. Applying it
 * counts the rows already stored once (one GROUP BY per column, under a lock that holds writers back for as
 * long: 13.5 s for 10 million tokens in docs/benchmarks.md, table-size).
 */
export class StoredValueCounts1797200000000 implements MigrationInterface {
  readonly name = 'StoredValueCounts1797200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runStatements(runner, createStoredValueCounts(COLUMNS));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runStatements(runner, dropStoredValueCounts(COLUMNS));
  }
}
