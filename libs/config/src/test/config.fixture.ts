// Shared by the config specs: temp folders with a deployment.toml, a minimal valid file, and secret values
// distinctive enough that a spec can prove they never reach a message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type ConfigIssue, type DeploymentConfig, type ServiceName } from '../index.js';

export const SECRETS = {
  DB_PASSWORD: 'dbSecret-7fq2Lw',
  KEYSTORE_PASSWORD: 'ksSecret-9xk3Pv',
  ADMIN_PASSWORD: 'adminSecret-4mb8Zr',
} as const;

/** The env every spec starts from: the variables the minimal file references. */
export const ENV: NodeJS.ProcessEnv = { ...SECRETS };

/** The sections of the smallest file the key manager accepts, by table name. */
const MINIMAL: Record<string, string> = {
  database: 'url = "postgres://apim:$env{DB_PASSWORD}@postgres:5432/apim"',
  'keystore.primary': 'file_name = "primary.p12"\npassword = "$env{KEYSTORE_PASSWORD}"\nalias = "wso2carbon"',
  super_admin: 'username = "admin"\npassword = "$env{ADMIN_PASSWORD}"',
};

/**
 * The minimal file with some tables replaced (`null` drops one) and `extra` TOML appended, e.g.
 * `toml({ database: 'url = "mysql://x"' }, '[log]\nlevel = "debug"')`.
 */
export function toml(tables: Record<string, string | null> = {}, extra = ''): string {
  const merged: Record<string, string | null> = { ...MINIMAL, ...tables };
  const body = Object.entries(merged)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, content]) => `[${name}]\n${content}\n`)
    .join('\n');
  return `${body}\n${extra}\n`;
}

const folders: string[] = [];

/** A fresh folder under the OS temp dir, removed by {@link removeTempFolders}. */
export function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'config-spec-'));
  folders.push(folder);
  return folder;
}

export function removeTempFolders(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** Writes `text` as deployment.toml in a fresh folder; returns its absolute path. */
export function writeConfig(text: string, name = 'deployment.toml'): string {
  const file = join(tempFolder(), name);
  writeFileSync(file, text);
  return file;
}

export function load(text: string, service: ServiceName = 'key-manager', env: NodeJS.ProcessEnv = ENV): DeploymentConfig {
  return loadConfig({ service, file: writeConfig(text), env });
}

/** The ConfigError loading `text` throws; fails the spec if it loads. */
export function loadError(text: string, service: ServiceName = 'key-manager', env: NodeJS.ProcessEnv = ENV): ConfigError {
  try {
    load(text, service, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be rejected, but it loaded');
}

export function issuesOf(text: string, service: ServiceName = 'key-manager', env: NodeJS.ProcessEnv = ENV): ConfigIssue[] {
  return loadError(text, service, env).issues;
}

/** The issue about `key`; fails the spec when there is none. */
export function issueAt(issues: readonly ConfigIssue[], key: string): ConfigIssue {
  const issue = issues.find((i) => i.key === key);
  if (!issue) throw new Error(`no issue for ${key}; issues: ${JSON.stringify(issues, null, 2)}`);
  return issue;
}
