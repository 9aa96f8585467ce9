import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createPkcs12Keystore } from '@app/crypto';
import {
  DEV_FOLDER,
  DEV_KEYSTORE_ALIAS,
  DevFiles,
  newDevSubjectPrefix,
  renderDevConfig,
  RunFiles,
  upgradeDevConfig,
  type RunValues,
} from './dev-config.template.js';
import { LauncherError } from './launcher.error.js';

/** Passwords generated once, when `.dev/` is created, and kept in `.dev/secrets.json` (mode 0600). */
export interface DevSecrets {
  keystorePassword: string;
  adminPassword: string;
  /** Password of the embedded PostgreSQL superuser. */
  databasePassword: string;
  createdAt: string;
}

export interface DevWorkspace {
  folder: string;
  configFile: string;
  keystoreFile: string;
  secretsFile: string;
  stateFile: string;
  pgdata: string;
  logs: string;
  secrets: DevSecrets;
  /** True when this start created the keystore and the passwords (they are printed once, now). */
  created: boolean;
}

export function devFolderOf(root: string): string {
  return path.resolve(root, DEV_FOLDER);
}

function pathsOf(folder: string) {
  return {
    folder,
    configFile: path.join(folder, DevFiles.config),
    keystoreFile: path.join(folder, DevFiles.keystore),
    secretsFile: path.join(folder, DevFiles.secrets),
    stateFile: path.join(folder, DevFiles.state),
    pgdata: path.join(folder, DevFiles.pgdata),
    logs: path.join(folder, DevFiles.logs),
  };
}

/** 24 URL-safe characters: safe inside a database URL without percent-encoding. */
function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

function isSecrets(value: unknown): value is DevSecrets {
  const v = value as Partial<DevSecrets> | null;
  return typeof v === 'object' && v !== null && [v.keystorePassword, v.adminPassword, v.databasePassword].every((s) => typeof s === 'string' && s !== '');
}

/** Reads `.dev/secrets.json`; used by the launcher and by the demo (for the admin password). */
export async function readDevSecrets(folder: string): Promise<DevSecrets> {
  const file = pathsOf(folder).secretsFile;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new LauncherError('DEV_SECRETS_UNREADABLE', `cannot read ${file}: ${(error as Error).message}. Delete ${folder} to start over.`);
  }
  if (!isSecrets(parsed)) throw new LauncherError('DEV_SECRETS_UNREADABLE', `${file} is not what the launcher wrote. Delete ${folder} to start over.`);
  return parsed;
}

/**
 * Opens `.dev/` under `root`, creating what is missing: on the first start a development keystore (via the
 * crypto lib) and random passwords; the development config whenever it is missing. The passwords and the
 * keystore belong together with the embedded database (its rows are encrypted with that key), so a
 * half-deleted folder is refused rather than silently given a new key.
 */
export async function openDevWorkspace(root: string): Promise<DevWorkspace> {
  const paths = pathsOf(devFolderOf(root));
  // 0755, not 0700: as root, embedded PostgreSQL runs as the `postgres` user and must reach .dev/pgdata.
  // The files holding secrets are 0600 each.
  await mkdir(paths.folder, { recursive: true, mode: 0o755 });
  await mkdir(paths.logs, { recursive: true });

  const hasSecrets = existsSync(paths.secretsFile);
  const hasKeystore = existsSync(paths.keystoreFile);
  const hasData = existsSync(paths.pgdata);
  let secrets: DevSecrets;
  let created = false;
  if (hasSecrets && hasKeystore) {
    secrets = await readDevSecrets(paths.folder);
  } else if (!hasSecrets && !hasKeystore && !hasData) {
    secrets = { keystorePassword: randomPassword(), adminPassword: randomPassword(), databasePassword: randomPassword(), createdAt: new Date().toISOString() };
    const keystore = await createPkcs12Keystore({
      alias: DEV_KEYSTORE_ALIAS,
      password: secrets.keystorePassword,
      dname: 'CN=localhost, OU=Development only, O=npm start',
      // A development key; a long validity spares developers an "expired certificate" surprise.
      validityDays: 3650,
    });
    // wx: never overwrite a key that another launcher wrote a moment ago.
    await writeFile(paths.keystoreFile, keystore, { mode: 0o600, flag: 'wx' });
    await writeFile(paths.secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  } else {
    const missing = [!hasSecrets && DevFiles.secrets, !hasKeystore && DevFiles.keystore].filter(Boolean).join(' and ');
    throw new LauncherError(
      'DEV_WORKSPACE_INCONSISTENT',
      `${paths.folder} is incomplete: ${missing} ${missing.includes(' and ') ? 'are' : 'is'} missing, but the rest is there ` +
        `(the stored tokens are encrypted with that keystore). Restore the file, or delete ${paths.folder} to start over with a new key and an empty database.`,
    );
  }

  // The passwords once more, one file each, for the config's $file{} references (earlier workspaces lack them).
  for (const [name, value] of [
    [DevFiles.keystorePassword, secrets.keystorePassword],
    [DevFiles.adminPassword, secrets.adminPassword],
  ] as const) {
    if (!existsSync(path.join(paths.folder, name))) await writeFileAtomically(path.join(paths.folder, name), value, 0o600);
  }
  const prefix = newDevSubjectPrefix(randomBytes);
  if (!existsSync(paths.configFile)) {
    await writeFile(paths.configFile, renderDevConfig(prefix), { mode: 0o644 });
  } else {
    const text = await readFile(paths.configFile, 'utf8');
    const upgraded = upgradeDevConfig(text, prefix);
    if (upgraded !== text) await writeFileAtomically(paths.configFile, upgraded, 0o644);
  }
  return { ...paths, secrets, created };
}

/** Writes beside the target and renames over it: a reader sees the old content or the new, never half. */
export async function writeFileAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, content, { mode });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The files `$file{}` reads the running start's values from, by absolute path, with those values. */
export function runFileContents(folder: string, values: RunValues): Map<string, string> {
  return new Map((Object.keys(RunFiles) as Array<keyof RunValues>).map((key) => [path.join(folder, RunFiles[key]), values[key]]));
}

/**
 * Writes the values of a start that succeeded into `.dev/run/` (mode 0600: the database URL holds a
 * password), each file atomically. Until then they live in memory only, so a start that fails leaves the
 * files of the one before alone.
 */
export async function writeRunValues(folder: string, values: RunValues): Promise<void> {
  await mkdir(path.join(folder, DevFiles.run), { recursive: true, mode: 0o700 });
  for (const [file, value] of runFileContents(folder, values)) await writeFileAtomically(file, `${value}\n`, 0o600);
  // Earlier launchers kept these values in run.env; nothing reads it now.
  await rm(path.join(folder, 'run.env'), { force: true });
}
