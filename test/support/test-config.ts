import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'smol-toml';
import { loadConfig, type DeploymentConfig, type ServiceName } from '@app/config';

/** TOML tables by dotted path, e.g. `{ 'oauth.token_expiry': { refresh_token: 60 } }`. */
export type TomlTables = Record<string, Record<string, unknown>>;

/** Merges table sets; later sets win key by key. */
export function mergeTables(...sets: Array<TomlTables | undefined>): TomlTables {
  const out: TomlTables = {};
  for (const set of sets) for (const [table, values] of Object.entries(set ?? {})) out[table] = { ...out[table], ...values };
  return out;
}

/** Renders tables as a TOML document (dotted paths become nested tables; quoted keys stay quoted). */
export function renderToml(tables: TomlTables): string {
  const root: Record<string, unknown> = {};
  for (const [path, values] of Object.entries(tables)) {
    let node = root;
    for (const segment of path.split('.')) node = (node[segment] ??= {}) as Record<string, unknown>;
    Object.assign(node, values);
  }
  return stringify(root);
}

export interface TestConfigDir {
  dir: string;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix = 'km-test-'): Promise<TestConfigDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Writes `deployment.toml` into `dir` and loads it for `service` with the real loader (and an empty
 * environment, so nothing leaks in from the shell running the tests).
 */
export async function writeTestConfig(dir: string, service: ServiceName, tables: TomlTables, name = 'deployment.toml'): Promise<DeploymentConfig> {
  const file = join(dir, name);
  await writeFile(file, renderToml(tables), { mode: 0o600 });
  return loadConfig({ service, file, env: {} });
}
