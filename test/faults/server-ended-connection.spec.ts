import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { openPool, typeOrmOptions } from '@app/platform';
import { TEST_DATABASE_URL, queryTestDatabase } from '../support/test-database.js';

/**
 * A connection the server ends while it is checked out of a pool, with no listener of its holder's (the
 * moment between the pool handing out a fresh connection and the holder's next turn): an 'error' event with
 * no listener would end the process — under Jest, fail the test with that error. With every client guarded
 * from birth, the holder sees failing statements, the pool drops the client on release, and the next
 * statement runs on a fresh connection.
 */
async function endWhileCheckedOut(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const ended = new Promise((resolve) => client.once('end', resolve));
  const [row] = await queryTestDatabase<{ ended: boolean }>('SELECT pg_terminate_backend($1) AS ended', [rows[0]?.pid]);
  expect(row?.ended).toBe(true);
  await ended;
  await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/i);
  client.release();
  expect(pool.totalCount).toBe(0);
  await expect(pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
}

describe('a connection the server ends while it is checked out', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(
      typeOrmOptions({ service: 'key-manager', database: { url: TEST_DATABASE_URL, schema: 'public', poolSize: 2 } }, { entities: [], migrations: [] }),
    );
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it("the services' TypeORM pool: the process lives on and the pool serves again", async () => {
    await endWhileCheckedOut((dataSource.driver as unknown as { master: pg.Pool }).master);
    await expect(dataSource.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });

  it('a pool of openPool (the idempotency store, the CLI): the same', async () => {
    const pool = openPool({ connectionString: TEST_DATABASE_URL, max: 2 });
    try {
      await endWhileCheckedOut(pool);
    } finally {
      await pool.end();
    }
  });
});
