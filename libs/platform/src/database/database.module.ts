import { type DynamicModule, Inject, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { DeploymentConfig } from '@app/config';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { closeIfCreationFails } from '../runtime/failed-start.js';
import { DEPLOYMENT_CONFIG } from '../runtime/runtime.module.js';
import { DatabaseReadRetryInterceptor, GuardedClient, isPermanentDatabaseError } from './database-faults.js';
import { DatabasePoolMetrics } from './database-pool.metrics.js';
import { postgresTls } from './database-tls.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own option types
type ClassList = MixedList<Function | string | EntitySchema>;

export interface DatabaseModuleOptions {
  entities: ClassList;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own option types
  migrations: MixedList<Function>;
}

/** Quotes a schema name for SQL. Config already restricts it to `[a-z_][a-z0-9_]*`; quoting is belt and braces. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The oldest PostgreSQL the services run on: the Key Manager's token insert uses `string_to_table` (new in 14). */
export const MINIMUM_POSTGRES_VERSION_NUM = 140000;

/**
 * Refuses a server older than {@link MINIMUM_POSTGRES_VERSION_NUM}, saying which it is and what is needed, so
 * that a service stops at start rather than failing its first statement that needs a newer server.
 * `versionNum` and `version` are the server's `server_version_num` and `server_version`.
 */
export function checkPostgresVersion(versionNum: number, version: string): void {
  if (versionNum < MINIMUM_POSTGRES_VERSION_NUM) {
    throw new Error(`PostgreSQL ${version} is too old: the services need PostgreSQL 14 or later (docs/deployment.md)`);
  }
}

/**
 * Runs the service's migrations at start, never `synchronize`, on a server no older than PostgreSQL 14. Two instances starting together are
 * serialised by a Postgres advisory lock keyed on the schema, so a scaled deployment migrates once.
 */
@Injectable()
export class SchemaMigrator implements OnModuleInit {
  private readonly logger = new Logger(SchemaMigrator.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const schema = this.config.database.schema;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [server] = (await runner.query(`SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS version`)) as Array<{ num: number; version: string }>;
      checkPostgresVersion(server!.num, server!.version);
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${schema}`]);
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      for (const m of applied) this.logger.log(`applied migration ${m.name} to schema ${schema}`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${schema}`]).catch(() => undefined);
      await runner.release();
    }
  }
}

/**
 * TypeORM's connection options for a service: its schema first on `search_path`, the configured pool size,
 * TLS as `[database] ssl_mode` says, and {@link GuardedClient} for every connection.
 */
export function typeOrmOptions(config: Pick<DeploymentConfig, 'service' | 'database'>, options: DatabaseModuleOptions): DataSourceOptions {
  // [database] ssl_mode / ssl_ca_file; TypeORM hands `ssl` to node-postgres as it is.
  const ssl = postgresTls(config.database);
  return {
    type: 'postgres' as const,
    url: config.database.url,
    ...(ssl !== undefined ? { ssl } : {}),
    schema: config.database.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    applicationName: `${config.service}`,
    extra: {
      // Every connection keeps an 'error' listener, so a server ending one never ends the process.
      Client: GuardedClient,
      max: config.database.poolSize,
      options: `-c search_path=${config.database.schema},public`,
    },
  };
}

/**
 * TypeORM on the service's own schema. Connections set `search_path` to that schema, so migrations and
 * hand-written SQL use unqualified table names and the same code serves any schema name.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [DEPLOYMENT_CONFIG],
          useFactory: (config: DeploymentConfig) => ({
            ...typeOrmOptions(config, options),
            // A server not reachable yet is retried (10 × 3 s); a database that does not exist, a wrong
            // password or a refused role are not: the service stops at once and says what to fix.
            toRetry: (error: unknown) => !isPermanentDatabaseError(error),
          }),
          dataSourceFactory: async (options?: DataSourceOptions) => {
            const dataSource = await new DataSource(options!).initialize();
            // Its pool is closed at shutdown; should another provider's factory fail, nothing will but this.
            closeIfCreationFails(() => dataSource.destroy());
            return dataSource;
          },
        }),
      ],
      // Reads that failed on a dropped connection run again (DatabaseReadRetryInterceptor), everywhere.
      providers: [
        SchemaMigrator,
        { provide: APP_INTERCEPTOR, useClass: DatabaseReadRetryInterceptor },
        {
          provide: DatabasePoolMetrics,
          inject: [MetricsRegistry, DataSource, DEPLOYMENT_CONFIG],
          useFactory: (m: MetricsRegistry, d: DataSource, c: DeploymentConfig) => new DatabasePoolMetrics(m, d, c.database.poolSize),
        },
      ],
      exports: [TypeOrmModule],
    };
  }
}
