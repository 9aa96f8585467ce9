import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { MetricsRegistry } from '../metrics/metrics.module.js';

/** What node-postgres's Pool counts (TypeORM keeps it as the Postgres driver's `master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The database connection pool, read at each scrape: connections open and idle, requests waiting for a
 * connection, and the pool's size (`[database] pool_size`). Waiting above 0 for long means the pool (or
 * PostgreSQL) is the bottleneck. Provided by DatabaseModule.
 */
export class DatabasePoolMetrics {
  constructor(metrics: MetricsRegistry, dataSource: DataSource, poolSize: number) {
    const pool = (): PoolCounts | undefined => (dataSource.driver as unknown as { master?: PoolCounts }).master;
    const registers = [metrics.registry];
    const gauge = (name: string, help: string, read: (p: PoolCounts) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const p = pool();
          if (p) this.set(read(p));
        },
      });
    gauge('db_pool_connections', 'Connections the database pool holds open (idle and in use)', (p) => p.totalCount);
    gauge('db_pool_idle_connections', 'Open connections of the database pool not in use', (p) => p.idleCount);
    gauge('db_pool_waiting_requests', 'Queries waiting for a connection of the database pool', (p) => p.waitingCount);
    new Gauge({ name: 'db_pool_max_connections', help: 'Size of the database pool ([database] pool_size)', registers }).set(poolSize);
  }
}
