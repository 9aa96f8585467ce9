import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createStoredValueCounts, dropStoredValueCounts, runStatements, type CountedColumn } from '@app/platform';

/** The portal's secret columns at this release (frozen here). */
const COLUMNS: CountedColumn[] = [{ table: 'application_keys', value: 'consumer_secret', scheme: 'consumer_secret_scheme' }];

/** Running counts of stored values by scheme, as in the Key Manager's StoredValueCounts migration (additive). */
export class DevportalStoredValueCounts1797200000000 implements MigrationInterface {
  readonly name = 'DevportalStoredValueCounts1797200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runStatements(runner, createStoredValueCounts(COLUMNS));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runStatements(runner, dropStoredValueCounts(COLUMNS));
  }
}
