/**
 * What the benchmarks share: child processes for the servers under load (started from the benchmark's own
 * file in a server role), free ports, HTTP helpers, and CPU accounting from /proc (Linux).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { createPkcs12Keystore } from '@app/crypto';
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

/**
 * The PostgreSQL backends serving one client process (e.g. a Key Manager under load), by pid: its TCP
 * connections to `postgresPort` (from its file descriptors and /proc/<pid>/net/tcp) matched with
 * `pg_stat_activity.client_port`. Their CPU is what that process's statements cost PostgreSQL, without the
 * other work the machine's PostgreSQL is doing meanwhile (other benchmarks, other people's tests). Leaves out
 * what no backend of its own does for it (WAL writer, checkpointer, autovacuum). Undefined without /proc.
 */
export async function backendsOf(db: pg.Client, clientPid: number, postgresPort = 5432): Promise<number[] | undefined> {
  const sockets = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${clientPid}/fd`)) {
      try {
        const link = readlinkSync(`/proc/${clientPid}/fd/${fd}`);
        if (link.startsWith('socket:[')) sockets.add(link.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return undefined;
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${clientPid}/net/${table}`, 'latin1');
    } catch {
      continue;
    }
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …; addresses as HEX_IP:HEX_PORT
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !sockets.has(fields[9]!)) continue;
      const remotePort = parseInt(fields[2]!.split(':')[1]!, 16);
      if (remotePort === postgresPort) ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  if (ports.length === 0) return [];
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [ports]);
  return rows.map((r) => r.pid);
}

/** CPU seconds of each of these processes, by pid (those gone are left out). */
export function cpuOf(pids: readonly number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    const seconds = processCpuSec(pid);
    if (seconds !== undefined) cpu.set(pid, seconds);
  }
  return cpu;
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


// The real services as deployed (one process each, NATS between them)

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BENCH_DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env['BENCH_NATS_URL'] ?? 'nats://127.0.0.1:4222';

/**
 * `node dist/apps/<service>/src/main.js` with DEPLOYMENT_CONFIG; resolves once `/health/ready` answers 200.
 * BENCH_SERVICE_NODE_ARGS passes options to both services' node (as BENCH_SERVER_NODE_ARGS does for
 * spawnServer), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them: each writes its profile on exit.
 */
async function startService(service: 'key-manager' | 'devportal', configFile: string, baseUrl: string, logFile: string): Promise<ChildProcess> {
  const log = createWriteStream(logFile);
  const nodeArgs = process.env['BENCH_SERVICE_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(REPO, `dist/apps/${service}/src/main.js`)], {
    env: { ...process.env, DEPLOYMENT_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}; see ${logFile}`);
    const ok = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ok) return child;
    await sleep(250);
  }
  child.kill('SIGKILL');
  throw new Error(`${service} not ready after 60 s; see ${logFile}`);
}

/** A Key Manager and a Developer Portal, each in its own process, on fresh schemas, and how to stop them. */
export interface ServicePair {
  kmUrl: string;
  dpUrl: string;
  kmSchema: string;
  dpSchema: string;
  /** The NATS server both use, and their subjects' prefix (`[transport.nats] subject_prefix`). */
  natsUrl: string;
  subjectPrefix: string;
  keyManager: ChildProcess;
  devportal: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts both services as deployed: one deployment.toml, the local PostgreSQL (fresh schemas), the machine's
 * NATS under a subject prefix of the run's own, RSA-OAEP token encryption on, logs at `warn` in a temporary
 * directory. `stop()` stops them and drops the schemas.
 */
export async function startServicePair(name: string): Promise<ServicePair> {
  const dir = await mkdtemp(path.join(tmpdir(), `bench-${name}-`));
  const tag = randomBytes(3).toString('hex');
  const kmSchema = `bench_km_${tag}`;
  const dpSchema = `bench_dp_${tag}`;
  const [kmPort, kmManagement, dpPort, dpManagement] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const kmUrl = `http://127.0.0.1:${kmPort}`;
  const dpUrl = `http://127.0.0.1:${dpPort}`;
  const started: ChildProcess[] = [];
  const stop = async () => {
    for (const child of started.reverse()) await stopServer(child);
    const db = new pg.Client({ connectionString: BENCH_DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${dpSchema}" CASCADE`);
    await db.query(`DROP SCHEMA IF EXISTS "${kmSchema}" CASCADE`);
    await db.end();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const keystore = path.join(dir, 'primary.p12');
    await writeFile(keystore, await createPkcs12Keystore({ alias: 'bench', password: 'bench-password' }));
    const configFile = path.join(dir, 'deployment.toml');
    await writeFile(
      configFile,
      stringify({
        server: { host: '127.0.0.1', port: kmPort, public_url: kmUrl },
        management: { host: '127.0.0.1', port: kmManagement },
        database: { url: BENCH_DATABASE_URL, schema: kmSchema, pool_size: 10 },
        transport: { nats: { servers: [NATS_URL], subject_prefix: `bench_${tag}` } },
        keystore: { primary: { file_name: keystore, type: 'PKCS12', password: 'bench-password', alias: 'bench' } },
        super_admin: { username: 'admin', password: 'bench-admin-password' },
        apim: { oauth_config: { enable_token_encryption: true } },
        oauth: { token_cleanup: { enable: false } },
        log: { level: 'warn' },
        devportal: {
          server: { host: '127.0.0.1', port: dpPort, public_url: dpUrl },
          management: { port: dpManagement },
          database: { schema: dpSchema, pool_size: 10 },
        },
      }),
      { mode: 0o600 },
    );
    const keyManager = await startService('key-manager', configFile, kmUrl, path.join(dir, 'key-manager.log'));
    started.push(keyManager);
    const devportal = await startService('devportal', configFile, dpUrl, path.join(dir, 'devportal.log'));
    started.push(devportal);
    return { kmUrl, dpUrl, kmSchema, dpSchema, natsUrl: NATS_URL, subjectPrefix: `bench_${tag}`, keyManager, devportal, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** CPU seconds of every process of this machine whose name is `comm` (e.g. nats-server), summed. */
export function cpuOfProcessesNamed(comm: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'latin1').trim() === comm) total += processCpuSec(Number(pid)) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** A JSON request (with a bearer token when given); the parsed answer, or an error naming the status. */
export async function callJson(url: string, method: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${new URL(url).pathname} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One scenario's turn under autocannon: its rate and latency. */
export interface LoadSample {
  rps: number;
  p50: number;
  p99: number;
}
