import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ENTRY = {
  'key-manager': 'dist/apps/key-manager/src/main.js',
  devportal: 'dist/apps/devportal/src/main.js',
} as const;

export type ServiceName = keyof typeof ENTRY;

export interface ServiceProcess {
  readonly name: string;
  readonly baseUrl: string;
  /** Its management port (`[management]`), when the test configured one. */
  readonly managementUrl?: string;
  readonly running: boolean;
  /** The process's own stdout/stderr, for a failing test to show. */
  readonly logFile: string;
  /** Starts it (again) and waits until `/health/ready` answers 200. */
  start(): Promise<void>;
  /** Sends a signal and waits for the exit (SIGTERM: a graceful stop; SIGKILL: a crash). Resolves with the exit code. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
}

/**
 * A service as its own process — `node dist/apps/<service>/src/main.js` with `DEPLOYMENT_CONFIG` — so a
 * test can kill it with -9 or stop it with SIGTERM as an orchestrator would. Needs `npm run build` (the
 * test command builds before Jest runs).
 */
export function serviceProcess(options: {
  service: ServiceName;
  name: string;
  configFile: string;
  baseUrl: string;
  /** Its management port, when the test configured one. */
  managementUrl?: string;
  logDir: string;
  /** Another build's `main.js` (an earlier release, for a rolling upgrade); default this checkout's `dist/`. */
  entry?: string;
}): ServiceProcess {
  const entry = options.entry ?? path.join(ROOT, ENTRY[options.service]);
  const logFile = path.join(options.logDir, `${options.name}.log`);
  let child: ChildProcess | undefined;
  let exit: Promise<number | null> = Promise.resolve(null);

  const ready = async (): Promise<boolean> => {
    try {
      const res = await fetch(`${options.baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  };

  return {
    name: options.name,
    baseUrl: options.baseUrl,
    ...(options.managementUrl ? { managementUrl: options.managementUrl } : {}),
    logFile,
    get running() {
      return child !== undefined;
    },
    start: async () => {
      if (child) throw new Error(`${options.name} is running`);
      if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
      const log = createWriteStream(logFile, { flags: 'a' });
      const started = spawn(process.execPath, [entry], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', DEPLOYMENT_CONFIG: options.configFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.stdout!.pipe(log, { end: false });
      started.stderr!.pipe(log, { end: false });
      child = started;
      exit = new Promise((resolve) =>
        started.once('exit', (code) => {
          if (child === started) child = undefined;
          log.end();
          resolve(code);
        }),
      );
      const deadline = Date.now() + 90_000;
      while (!(await ready())) {
        if (!child) throw new Error(`${options.name} exited at start; see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`${options.name} did not become ready; see ${logFile}`);
        await sleep(100);
      }
    },
    stop: async (signal = 'SIGTERM') => {
      const running = child;
      if (!running) return null;
      running.kill(signal);
      const code = await Promise.race([exit, sleep(30_000, 'timeout' as const, { ref: false })]);
      if (code === 'timeout') {
        running.kill('SIGKILL');
        return exit;
      }
      return code;
    },
  };
}
