import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication; with `tls`, refused: use `admin`). */
  readonly url: string;
  readonly port: number;
  /** The superuser over the server's Unix socket (trust there, with or without `tls`). */
  readonly admin: pg.ClientConfig;
  readonly running: boolean;
  /** Stops the server: `fast` (SIGINT: clients disconnected, clean shutdown) or `immediate` (SIGQUIT, a crash-like stop). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Ends every client connection but this one (pg_terminate_backend), as a failover or an operator would. */
  terminateConnections(): Promise<number>;
  /** Stops the server and removes its data. */
  destroy(): Promise<void>;
}

/** The binaries of the newest PostgreSQL the Debian packages installed, else those on PATH. */
function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  return '';
}

/** A PostgreSQL program (pg_dump, pg_restore, psql …) of the same installation as the private servers. */
export const pgBinary = (name: string) => (binDir() ? path.join(binDir(), name) : name);
const bin = pgBinary;

/** PostgreSQL refuses to run as root: as root, its processes run as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function accepts(config: pg.ClientConfig): Promise<boolean> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PrivatePostgresOptions {
  /**
   * The server's certificate and key: `ssl = on`, and TCP connections only over TLS with a password
   * (`hostssl all all all scram-sha-256`, as deploy/postgres/pg_hba.conf); trust stays on the Unix socket.
   */
  tls?: { certificatePem: string; privateKeyPem: string };
  /** A port to use (a restore into "the same" server); default a free one. */
  port?: number;
}

/**
 * A PostgreSQL server of the test's own (initdb into a temp dir, `postgres` on a free loopback port, trust
 * authentication, fsync off), so a test can stop, restart and cut connections without touching the
 * machine's database that other tests share. Uses the Debian packages' binaries (PG_BIN_DIR to point
 * elsewhere).
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const user = runAs();
  const dir = mkdtempSync(path.join(tmpdir(), 'private-pg-'));
  const dataDir = path.join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  const init = spawnSync(bin('initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C'], {
    encoding: 'utf8',
    ...(user ?? {}),
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.error?.message}`);
  }
  const port = options.port ?? (await freePort());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin: pg.ClientConfig = { host: dir, port, user: 'postgres', database: 'postgres' };
  const tlsArgs: string[] = [];
  if (options.tls) {
    // PostgreSQL refuses a key file others may read, or one not owned by the server's user.
    const files = { ssl_cert_file: ['server.crt', options.tls.certificatePem], ssl_key_file: ['server.key', options.tls.privateKeyPem], hba_file: ['pg_hba.conf', 'local all all trust\nhostssl all all all scram-sha-256\n'] };
    for (const [setting, [name, content]] of Object.entries(files)) {
      const file = path.join(dir, name!);
      writeFileSync(file, content!, { mode: 0o600 });
      if (user) chownSync(file, user.uid, user.gid);
      tlsArgs.push('-c', `${setting}=${file}`);
    }
    tlsArgs.push('-c', 'ssl=on', '-c', 'password_encryption=scram-sha-256');
  }
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) throw new Error('private PostgreSQL is running');
    const args = ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200', ...tlsArgs];
    const started = spawn(bin('postgres'), args, { stdio: 'ignore', ...(user ?? {}) });
    child = started;
    started.once('exit', () => {
      if (child === started) child = undefined;
    });
    const deadline = Date.now() + 30_000;
    while (!(await accepts(admin))) {
      if (!child) throw new Error('private PostgreSQL exited at start');
      if (Date.now() > deadline) throw new Error(`private PostgreSQL did not start on port ${port}`);
      await sleep(50);
    }
  };

  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    const running = child;
    if (!running) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await Promise.race([gone, sleep(15_000, undefined, { ref: false })]);
    if (child === running) {
      running.kill('SIGKILL');
      await gone;
    }
  };

  await start();
  return {
    url,
    port,
    admin,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    terminateConnections: async () => {
      const client = new pg.Client(admin);
      await client.connect();
      try {
        const rows = await client.query<{ ended: boolean }>(
          'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = $1',
          ['client backend'],
        );
        return rows.rows.filter((r) => r.ended).length;
      } finally {
        await client.end();
      }
    },
    destroy: async () => {
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
