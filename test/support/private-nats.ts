import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PrivateNats {
  url: string;
  /** The names of the server's client connections, open or closed (its monitoring `/connz`); only with `monitor: true`. */
  connections(state?: 'open' | 'closed'): Promise<string[]>;
  stop(): Promise<void>;
}

/** What nats-server writes to its ports file once it listens (`--ports_file_dir`). */
interface PortsFile {
  nats?: string[];
  monitoring?: string[];
}

/** The ports file, or undefined while it is missing or half written. */
function parsePortsFile(text: string): PortsFile | undefined {
  try {
    return JSON.parse(text) as PortsFile;
  } catch {
    return undefined;
  }
}

function portOf(url: string | undefined): number | undefined {
  const port = url ? Number(new URL(url).port) : NaN;
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** NATS_SERVER_BIN, else the Debian package's binary (in /usr/sbin, not on every PATH), else `nats-server` on PATH. */
export function natsServerBinary(): string {
  return process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
}

/**
 * A NATS server of this test's own, on a free loopback port. The subjects a service serves are fixed
 * (`km.*`), so two test runs sharing the machine's NATS would answer each other's requests: each test
 * that starts a service gets its own server. Uses the `nats-server` binary the machine provides
 * (NATS_SERVER_BIN to point elsewhere).
 */
export async function startPrivateNats(options: { configFile?: string; env?: Record<string, string>; scheme?: 'nats' | 'tls'; monitor?: boolean } = {}): Promise<PrivateNats> {
  // The server picks its own ports (-1) and says which in its ports file. Choosing a free port first and
  // handing it over is a race when suites run in parallel: two servers given the same port, the loser exits,
  // and its test talks to the winner's server, among another suite's services.
  const portsDir = await mkdtemp(join(tmpdir(), 'private-nats-'));
  const binary = natsServerBinary();
  // A config file (users, permissions, TLS) is read first; the address and port given here win over its own.
  const args = [
    ...(options.configFile ? ['-c', options.configFile] : []),
    ...['-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', portsDir],
    ...(options.monitor ? ['-m', '-1'] : []),
  ];
  const child: ChildProcess = spawn(binary, args, { stdio: 'ignore', env: { ...process.env, ...options.env } });
  let exited = false;
  child.once('exit', () => (exited = true));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const portsFile = join(portsDir, `${basename(binary)}_${child.pid}.ports`);
  const deadline = Date.now() + 10_000;
  let port: number | undefined;
  let monitorPort: number | undefined;
  try {
    for (;;) {
      const ports = await Promise.race([
        readFile(portsFile, 'utf8').then(parsePortsFile, () => undefined),
        spawnError,
      ]);
      port = portOf(ports?.nats?.[0]);
      monitorPort = portOf(ports?.monitoring?.[0]);
      if (port && (!options.monitor || monitorPort)) break;
      if (exited || Date.now() > deadline) throw new Error(`nats-server ${args.join(' ')} did not start`);
      await sleep(50);
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    await rm(portsDir, { recursive: true, force: true });
  }
  return {
    url: `${options.scheme ?? 'nats'}://127.0.0.1:${port}`,
    connections: async (state = 'open') => {
      if (!monitorPort) throw new Error('start the server with monitor: true to list its connections');
      const res = await fetch(`http://127.0.0.1:${monitorPort}/connz?state=${state}&limit=1024`, { signal: AbortSignal.timeout(2000) });
      return (((await res.json()) as { connections: Array<{ name?: string }> | null }).connections ?? []).map((c) => c.name ?? '');
    },
    stop: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000, undefined, { ref: false })]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}
