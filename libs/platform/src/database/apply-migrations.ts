import type { MigrationInterface } from 'typeorm';

/** What {@link applyMigrations} needs of a connection: node-postgres's `Client` or a pool client will do. */
export interface MigrationConnection {
  query(sql: string, parameters?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Applies migrations on a plain connection, in order, as a service applies them at start
 * (`runMigrations({ transaction: 'each' })`): each in a transaction of its own, except those that ask for none
 * (`transaction = false`: CREATE INDEX CONCURRENTLY refuses to run inside one). For tools, tests and benchmarks
 * that build a schema as it stood at some release without a TypeORM DataSource; the connection's
 * `search_path` names the schema. Records nothing in the `migrations` table.
 */
export async function applyMigrations(connection: MigrationConnection, migrations: ReadonlyArray<new () => MigrationInterface>): Promise<void> {
  const runner = { query: async (sql: string, parameters?: unknown[]) => (await connection.query(sql, parameters)).rows };
  for (const Migration of migrations) {
    const migration = new Migration();
    const inTransaction = (migration as { transaction?: boolean }).transaction !== false;
    if (!inTransaction) {
      await migration.up(runner as never);
      continue;
    }
    await connection.query('BEGIN');
    try {
      await migration.up(runner as never);
      await connection.query('COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
