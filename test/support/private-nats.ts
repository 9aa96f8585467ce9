import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

export interface PrivateNats {
  url: string;
  /** The names of the server's client connections, open or closed (its monitoring `/connz`); only with `monitor: true`. */
  connections(state?: 'open' | 'closed'): Promise<string[]>;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
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
  const port = await freePort();
  const monitorPort = options.monitor ? await freePort() : undefined;
  const binary = natsServerBinary();
  // A config file (users, permissions, TLS) is read first; the address and port given here win over its own.
  const args = [...(options.configFile ? ['-c', options.configFile] : []), '-a', '127.0.0.1', '-p', String(port), ...(monitorPort ? ['-m', String(monitorPort)] : [])];
  const child: ChildProcess = spawn(binary, args, { stdio: 'ignore', env: { ...process.env, ...options.env } });
  let exited = false;
  child.once('exit', () => (exited = true));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await Promise.race([accepts(port), spawnError]);
    if (up) break;
    if (exited || Date.now() > deadline) throw new Error(`nats-server did not start on port ${port}`);
    await sleep(50);
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
