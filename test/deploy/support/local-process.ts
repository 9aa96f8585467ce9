// Child processes for the deployment tests: output captured (shown only when a test fails), readiness
// polling, and a stop that reports how the process ended.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { renderToml, type TomlTables } from '../../support/test-config.js';
import { ensureBuilt, REPO_ROOT } from './built-dist.js';

export { freePort } from '../../support/free-port.js';

/** The ports a launcher (`npm start`) listens on for a given PORT: both services and their management ports. */
const LAUNCHER_PORT_OFFSETS = [0, 1, 100, 101];

/**
 * A PORT for the launcher whose four ports (PORT, PORT + 1, PORT + 100, PORT + 101) are free. The base is drawn
 * below Linux's ephemeral range (32768–60999): a port the OS hands out for an outgoing connection — a test's HTTP
 * client, the Compose stage running beside Jest — cannot then take PORT + 100 between this check and the listen.
 */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(LAUNCHER_PORT_OFFSETS.map((offset) => canListen(port + offset)));
    if (free.every(Boolean)) return port;
  }
  throw new Error('no free set of launcher ports (PORT, PORT + 1, PORT + 100, PORT + 101) found below 32768');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`);
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One child process with its combined output kept in memory. */
export class LocalProcess {
  readonly child: ChildProcess;
  private output = '';
  private readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    options: SpawnOptions,
  ) {
    this.child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    };
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.output += `\n[spawn error] ${error.message}\n`;
        this.status = { code: -1, signal: null };
        resolve(this.status);
      });
      this.child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  /** Resolves with the exit status, or rejects after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return waitFor(
      `${this.name} to print ${pattern}`,
      async () => {
        if (!this.running) throw new Error(`${this.name} exited (${JSON.stringify(this.status)})\n${this.tail()}`);
        return this.output.match(pattern) ?? undefined;
      },
      timeoutMs,
      100,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.tail()}`);
    });
  }

  /** Sends `signal` and waits; escalates to SIGKILL after `timeoutMs` and reports that as a failure status. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<ExitStatus> {
    if (!this.running) return this.status!;
    this.child.kill(signal);
    try {
      return await this.waitForExit(timeoutMs);
    } catch {
      this.child.kill('SIGKILL');
      await this.exited;
      return { code: null, signal: 'SIGKILL' };
    }
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 60): string {
    return `--- ${this.name} (last ${lines} lines) ---\n${this.output.split('\n').slice(-lines).join('\n')}`;
  }
}

/** How a start of a built service that is expected to fail ended: its exit code, its plain-text lines (not the JSON log) and all output. */
export interface RefusedStart {
  code: number | null;
  lines: string[];
  log: string;
}

/**
 * Writes `tables` as `<name>.toml` in `dir` (or takes an existing `configFile`) and runs the built service on
 * it as its own process, as Compose does (a start that fails leaves nothing behind in the test's process), until it exits.
 */
export async function runBuiltServiceToExit(
  options: { service: 'key-manager' | 'devportal'; dir: string; timeoutMs?: number } & ({ name: string; tables: TomlTables } | { configFile: string }),
): Promise<RefusedStart> {
  const entry = `dist/apps/${options.service}/src/main.js`;
  ensureBuilt([entry]);
  let configFile: string;
  if ('configFile' in options) configFile = options.configFile;
  else {
    configFile = path.join(options.dir, `${options.name}.toml`);
    writeFileSync(configFile, renderToml(options.tables), { mode: 0o600 });
  }
  const child = new LocalProcess(options.service, process.execPath, [path.join(REPO_ROOT, entry)], {
    cwd: options.dir,
    env: { PATH: process.env['PATH'], DEPLOYMENT_CONFIG: configFile },
  });
  const { code } = await child.waitForExit(options.timeoutMs ?? 60_000);
  return { code, lines: child.log.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{')), log: child.log };
}
