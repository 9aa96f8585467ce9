import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { isDatabaseUnavailable, retryOnDatabaseFault } from '@app/platform';

/** A statement with a name: prepared once per connection, so the hot paths skip parsing and planning. */
export interface NamedStatement {
  name: string;
  text: string;
}

/**
 * Parameterised SQL on the pool TypeORM opened (same connections, same `search_path` = the service schema).
 * The hot paths (client and token look-ups, token inserts) use this rather than TypeORM's query runner,
 * which would wrap every query in a runner allocation and an extra pool round trip.
 */
@Injectable()
export class SqlService {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    // TypeORM's Postgres driver keeps its node-postgres pool as `master`.
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  /**
   * One statement. A statement that failed because its connection dropped (the pool handed out a
   * connection the server had just ended, a failover) runs again on a fresh one: every statement here is
   * a read, an insert under a new unique id (a repeat cannot add a second row) or an update to a state.
   */
  async query<R extends QueryResultRow>(statement: NamedStatement | string, values: unknown[] = []): Promise<R[]> {
    const config = typeof statement === 'string' ? { text: statement, values } : { ...statement, values };
    const result = await retryOnDatabaseFault(() => this.pool.query<R>(config));
    return result.rows;
  }

  /**
   * Runs `work` in one transaction on one connection; rolls back when it throws. When the connection drops
   * before COMMIT is sent, nothing was committed and the whole transaction runs again; once COMMIT is
   * sent, an error is the caller's (the outcome is not known).
   */
  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await retryOnDatabaseFault(() => this.pool.connect());
      let committing = false;
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(new SqlTransaction(client));
        committing = true;
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = isDatabaseUnavailable(error);
        await client.query('ROLLBACK').catch(() => undefined);
        if (broken && !committing && attempt < 3) continue;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  /**
   * Runs `work` on one dedicated connection (session-level advisory locks must be taken and released on the
   * same connection).
   */
  async withConnection<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await work(new SqlTransaction(client));
    } catch (error) {
      broken = isDatabaseUnavailable(error);
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/** Queries on one connection (inside a transaction, or holding a session lock). */
export class SqlTransaction {
  constructor(private readonly client: PoolClient) {}

  async query<R extends QueryResultRow>(statement: NamedStatement | string, values: unknown[] = []): Promise<R[]> {
    const config = typeof statement === 'string' ? { text: statement, values } : { ...statement, values };
    const result = await this.client.query<R>(config);
    return result.rows;
  }
}

/** Postgres `unique_violation`. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
