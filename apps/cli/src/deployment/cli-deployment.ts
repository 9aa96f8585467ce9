import { resolve } from 'node:path';
import pg from 'pg';
import { loadConfig, loadConfigFor, type DeploymentConfig } from '@app/config';
import type { StoringService } from '@app/contracts';
import type { CliIo } from '../cli-io.js';
import { loadEncryptionMaterial, openPool, postgresConnection, quoteIdentifier, type EncryptionMaterial } from '@app/platform';
import { toCliError, usageError } from '../cli.error.js';

/** One service's storage as the shared deployment.toml describes it. */
export interface ServiceStorage {
  service: StoringService;
  schema: string;
  /** The service's `[database]`: URL and TLS. */
  database: DeploymentConfig['database'];
}

/** The deployment the operator's DEPLOYMENT_CONFIG describes: the CLI's view, and each service's storage. */
export interface CliDeployment {
  config: DeploymentConfig;
  storages: ServiceStorage[];
}

/** Commands that act on a running deployment need its configuration; flags can't replace a whole deployment.toml. */
export function loadDeployment(io: CliIo): CliDeployment {
  const named = io.env['DEPLOYMENT_CONFIG'];
  if (!named) throw usageError('set DEPLOYMENT_CONFIG to the deployment.toml the services use (the same file, with the same keys)');
  const config = loadConfig({ service: 'cli', env: { ...io.env, DEPLOYMENT_CONFIG: resolve(io.cwd, named) } });
  const storages = (['key-manager', 'devportal'] as const).map((service) => {
    const view = loadConfigFor(service, config);
    return { service, schema: view.database.schema, database: view.database };
  });
  return { config, storages };
}

/** One pool per distinct database (both schemas usually live in one). Small: the CLI is one client. */
export class Pools {
  private readonly pools = new Map<string, pg.Pool>();

  for(database: ServiceStorage['database']): pg.Pool {
    const key = JSON.stringify([database.url, database.sslMode, database.sslCaFile]);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = openPool({ ...postgresConnection(database), max: 2, application_name: 'token-encryption-cli' });
      this.pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
  }
}

/** Whether a service has created its schema yet (it does at first start). */
export async function schemaExists(pool: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
  return rows.length > 0;
}

/**
 * Whether the Key Manager's `oauth_tokens` in this schema has its tokens' selector columns (migration
 * TokenSelectors): a Key Manager of a release with selectors has started on it.
 */
export async function tokenSelectorsExist(pool: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = 'oauth_tokens' AND column_name IN ('access_token_selector', 'refresh_token_selector')`,
    [schema],
  );
  return rows[0]?.n === 2;
}

/** The keys and write settings `deployment.toml` configures, or a CLI error naming the file. */
export async function openMaterial(deployment: CliDeployment): Promise<EncryptionMaterial> {
  try {
    return await loadEncryptionMaterial(deployment.config);
  } catch (e) {
    throw toCliError(e, { label: `configured in ${deployment.config.file}`, fromConfig: true });
  }
}

/**
 * The deployment id the Key Manager keeps in its schema (`deployment_identity`), or undefined when the
 * database cannot be read within a few seconds or holds none yet: which instances on the bus are this
 * deployment's when another deployment shares the NATS server and subject prefix.
 */
export async function readDeploymentId(deployment: CliDeployment): Promise<string | undefined> {
  const storage = deployment.storages.find((s) => s.service === 'key-manager');
  if (!storage) return undefined;
  const pool = openPool({ ...postgresConnection(storage.database), max: 1, connectionTimeoutMillis: 3000, application_name: 'token-encryption-cli' });
  try {
    const { rows } = await pool.query<{ id: string }>(`SELECT deployment_id AS id FROM ${quoteIdentifier(storage.schema)}.deployment_identity`);
    return rows[0]?.id;
  } catch {
    return undefined;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
