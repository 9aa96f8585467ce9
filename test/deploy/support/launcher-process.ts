// `npm start` and the operator CLI as child processes, the way a developer runs them: compiled code, a
// folder of its own (its own .dev/), and no environment beyond what the test names.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './built-dist.js';
import { LocalProcess } from './local-process.js';

export const LAUNCHER = path.join(REPO_ROOT, 'dist/apps/launcher/src/main.js');
export const CLI = path.join(REPO_ROOT, 'dist/apps/cli/src/main.js');
export const READY = /^Ready\.$/m;
const PATH = `${path.dirname(process.execPath)}:/usr/sbin:/usr/bin:/bin`;

export function startLauncher(cwd: string, env: Record<string, string>, name = 'launcher'): LocalProcess {
  return new LocalProcess(name, process.execPath, [LAUNCHER], { cwd, env: { PATH, HOME: cwd, ...env } });
}

/** A folder the `postgres` user can enter (embedded PostgreSQL runs as that user when we are root). */
export function workFolder(prefix: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(folder, 0o755);
  return folder;
}

export async function readiness(url: string): Promise<number> {
  const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) });
  await response.body?.cancel();
  return response.status;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The operator CLI in `cwd` with only `env` (and PATH, HOME): what `DEPLOYMENT_CONFIG=… npx token-encryption …` runs. */
export async function runCliProcess(cwd: string, argv: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...argv], { cwd, env: { PATH, HOME: cwd, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
