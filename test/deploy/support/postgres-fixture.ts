// Scratch databases on the local PostgreSQL (127.0.0.1:5432, trust auth, superuser postgres). Names are
// unique per run, because other engineers run tests on the same server at the same time.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const LOCAL_POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

async function asSuperuser<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...LOCAL_POSTGRES, database: 'postgres' });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

export interface ScratchDatabase {
  database: string;
  role: string;
  /** postgres://role:password@127.0.0.1:5432/database */
  url: string;
  drop(): Promise<void>;
}

/** A new role owning a new database; `drop()` ends its sessions and removes both. */
export async function createScratchDatabase(options: { database: string; role?: string; password?: string }): Promise<ScratchDatabase> {
  const role = options.role ?? options.database;
  const password = options.password ?? randomBytes(12).toString('hex');
  await asSuperuser(async (client) => {
    await client.query(`CREATE ROLE ${client.escapeIdentifier(role)} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)} OWNER ${client.escapeIdentifier(role)}`);
  });
  const url = `postgres://${encodeURIComponent(role)}:${encodeURIComponent(password)}@${LOCAL_POSTGRES.host}:${LOCAL_POSTGRES.port}/${options.database}`;
  return {
    database: options.database,
    role,
    url,
    drop: () =>
      asSuperuser(async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [options.database]);
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(options.database)}`);
        await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(role)}`);
      }),
  };
}
