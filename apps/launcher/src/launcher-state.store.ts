import { readFile, rm, writeFile } from 'node:fs/promises';
import { LauncherError } from './launcher.error.js';

/** The portal API's base path (WSO2 Developer Portal v3). */
export const DEVPORTAL_API_BASE = '/api/am/devportal/v3';

/**
 * `.dev/launcher.json`: what a running launcher serves, for `npm run demo` and for people. No private key
 * and no password other than the database URL's (mode 0600).
 */
export interface LauncherState {
  pid: number;
  startedAt: string;
  configFile: string;
  /** development: `.dev/deployment.toml`; deployment: the file named by DEPLOYMENT_CONFIG. */
  config: 'development' | 'deployment';
  database: { kind: 'embedded' | 'external' | 'configured'; url: string; keyManagerSchema: string; devportalSchema: string };
  /** `subjectPrefix`: `[transport.nats] subject_prefix` ('' for none); a development workspace has its own. */
  bus: { kind: 'nats' | 'in-process'; natsUrl?: string; subjectPrefix?: string };
  /** `managementUrl`: the management port (`/metrics`, readiness details); absent in files of earlier launchers. */
  keyManager: { url: string; managementUrl?: string };
  devportal: { url: string; apiUrl: string; managementUrl?: string };
  admin: { username: string };
}

export async function writeLauncherState(file: string, state: LauncherState): Promise<void> {
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it still describes this process (another launcher may have replaced it). */
export async function removeLauncherState(file: string, pid: number): Promise<void> {
  const current = await readLauncherState(file).catch(() => undefined);
  if (current?.pid === pid) await rm(file, { force: true });
}

export async function readLauncherState(file: string): Promise<LauncherState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new LauncherError('NOT_RUNNING', `nothing is running: ${file} does not exist. Start the system with \`npm start\` (in another terminal), then run this again.`);
  }
  try {
    return JSON.parse(text) as LauncherState;
  } catch {
    throw new LauncherError('NOT_RUNNING', `${file} is not valid JSON; restart \`npm start\` to rewrite it.`);
  }
}
