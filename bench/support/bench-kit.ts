/**
 * What the benchmarks share: child processes for the servers under load (started from the benchmark's own
 * file in a server role), free ports, HTTP helpers, and CPU accounting from /proc (Linux).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { loadConfig } from '@app/config';
import { createRootLogger, InProcessBus, ProcessIdentity } from '@app/platform';
import { startKeyManager } from '../../apps/key-manager/src/key-manager.bootstrap.js';

/** The value after `name` on the command line. */
export function argument(name: string): string {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (value === undefined) throw new Error(`missing ${name}`);
  return value;
}

/** The server role of a benchmark's child process: a Key Manager (in-process bus) on `--config`; prints READY <port>. */
export async function serveKeyManager(): Promise<void> {
  const config = loadConfig({ service: 'key-manager', file: argument('--config'), env: {} });
  const identity = new ProcessIdentity('key-manager');
  const logger = createRootLogger(config, identity);
  const app = await startKeyManager({ config, identity, logger, bus: { kind: 'in-process', bus: new InProcessBus() } });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  process.stdout.write(`READY ${config.server.port}\n`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts `script` in a child process with `--serve …args`; resolves once it printed READY. BENCH_SERVER_NODE_ARGS
 * passes options to those processes' node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them.
 */
export function spawnServer(script: string, args: string[]): Promise<ChildProcess> {
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, script, '--serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('READY')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server ${args.join(' ')} exited with ${code}`)));
  });
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}


// CPU accounting (Linux /proc)

const TICKS_PER_SEC = 100; // USER_HZ: what /proc/<pid>/stat counts in on Linux

/** User + system CPU seconds of one process (all threads; or only its main thread), or undefined where /proc is not there. */
export function processCpuSec(pid: number, mainThreadOnly = false): number | undefined {
  try {
    const stat = readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC; // utime, stime (fields 14 and 15)
  } catch {
    return undefined;
  }
}

/** CPU seconds of each process named `postgres` on this machine (the server and its backends), by pid. */
export function postgresCpu(): Map<number, number> | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'latin1').trim() !== 'postgres') continue;
    } catch {
      continue; // gone meanwhile
    }
    const seconds = processCpuSec(Number(pid));
    if (seconds !== undefined) cpu.set(Number(pid), seconds);
  }
  return cpu;
}

/** PostgreSQL's CPU seconds between two readings (backends that started meanwhile count from zero). */
export function postgresCpuBetween(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function post(url: string, authorization: string, body: string, contentType = 'application/x-www-form-urlencoded'): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': contentType }, body });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}
