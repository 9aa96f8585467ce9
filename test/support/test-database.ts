import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The local test database (trust auth). Every test works in its own schema and drops it afterwards. */
export const TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other test uses: `<prefix>_<random>` (lowercase, a valid SQL identifier). */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Runs one statement on the test database with a short-lived connection. */
export async function queryTestDatabase<R extends pg.QueryResultRow = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  schema?: string,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`refusing to drop a schema with an unexpected name: ${schema}`);
  await queryTestDatabase(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A database of the test's own on the local server, beside `test`: {@link ownDatabase}. */
export interface OwnDatabase {
  url: string;
  /** Drops it (ending any connection left open to it). */
  drop(): Promise<void>;
}

/**
 * A fresh database for a test that must not see what suites running beside it keep in `test` — for
 * example the deployment ids their Key Managers store, which a portal starting before its own Key Manager
 * reads (it pins the one id it finds in its database).
 */
export async function ownDatabase(prefix: string): Promise<OwnDatabase> {
  const name = uniqueSchema(prefix);
  await queryTestDatabase(`CREATE DATABASE "${name}"`);
  return {
    url: TEST_DATABASE_URL.replace(/\/test$/, `/${name}`),
    drop: async () => {
      await queryTestDatabase(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
