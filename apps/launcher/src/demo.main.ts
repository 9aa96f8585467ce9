// `npm run demo`: the end-to-end story against the system `npm start` runs (read from .dev/launcher.json).
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '@app/config';
import { DEV_FOLDER, DevFiles } from './dev-config.template.js';
import { ApiCallError, DemoApiClient } from './demo-api.client.js';
import { runDemoStory } from './demo-story.runner.js';
import { devFolderOf, readDevSecrets } from './dev-workspace.store.js';
import { LauncherError } from './launcher.error.js';
import { processAlive } from './launcher-lock.store.js';
import { readLauncherState, type LauncherState } from './launcher-state.store.js';

const print = (text: string) => process.stdout.write(`${text}\n`);


async function ensureRunning(state: LauncherState): Promise<void> {
  const api = new DemoApiClient(state.keyManager.url, state.devportal.url);
  const statuses = await Promise.all([api.readiness(state.keyManager.url), api.readiness(state.devportal.url)]);
  if (statuses.every((s) => s === 200)) return;
  const who = processAlive(state.pid) ? `the launcher (pid ${state.pid}) is running but` : `the launcher that wrote ${path.join(DEV_FOLDER, DevFiles.state)} (pid ${state.pid}) is gone and`;
  throw new LauncherError(
    'NOT_RUNNING',
    `${who} ${state.keyManager.url}/health/ready answered ${statuses[0] || 'nothing'}, ${state.devportal.url}/health/ready answered ${statuses[1] || 'nothing'}. Start the system with \`npm start\`, wait for "Ready.", then run this again.`,
  );
}

/**
 * The workspace's demo developer, kept in .dev/demo-user.json: each run of the demo would otherwise leave
 * a user behind (the portal, like WSO2's, has no way to delete one).
 */
async function demoDeveloper(devFolder: string): Promise<{ username: string; password: string; passwordFile: string }> {
  const file = path.join(devFolder, DevFiles.demoUser);
  const passwordFile = path.join(DEV_FOLDER, DevFiles.demoUser);
  try {
    const kept = JSON.parse(await readFile(file, 'utf8')) as { username?: unknown; password?: unknown };
    if (typeof kept.username === 'string' && typeof kept.password === 'string') return { username: kept.username, password: kept.password, passwordFile };
  } catch {
    // None yet (or unreadable): make one.
  }
  const made = { username: `demo-${randomBytes(3).toString('hex')}`, password: `demo ${randomBytes(12).toString('base64url')}` };
  await writeFile(file, `${JSON.stringify(made)}\n`, { mode: 0o600 });
  return { ...made, passwordFile };
}

async function adminPasswordFor(state: LauncherState): Promise<string> {
  if (state.config === 'development') return (await readDevSecrets(devFolderOf(process.cwd()))).adminPassword;
  // DEPLOYMENT_CONFIG mode: the password is wherever that file says ($env{} from this environment).
  return loadConfig({ service: 'key-manager', file: state.configFile }).superAdmin.password;
}

try {
  const state = await readLauncherState(path.join(devFolderOf(process.cwd()), DevFiles.state));
  await ensureRunning(state);
  print(`Demo against the Key Manager at ${state.keyManager.url} and the Developer Portal at ${state.devportal.url}`);
  await runDemoStory({ state, adminPassword: await adminPasswordFor(state), developer: await demoDeveloper(devFolderOf(process.cwd())), print });
} catch (error) {
  if (error instanceof LauncherError) process.stderr.write(`demo: ${error.message}\n`);
  else if (error instanceof ApiCallError) process.stderr.write(`demo: step "${error.step}" failed: ${error.message}\n`);
  else if (error instanceof ConfigError) process.stderr.write(`demo: ${error.format()}\n`);
  else process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
