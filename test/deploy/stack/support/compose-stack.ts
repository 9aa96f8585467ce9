// Drives one Compose project of docker-compose.yml on a real Docker engine for the stack tests
// (test/deploy/stack/*.spec.ts, run by deploy/test/compose-smoke.sh = `npm run test:compose`).
import { execFile, spawn, type ExecFileOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import tls from 'node:tls';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../support/built-dist.js';

export const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');

/** What compose-smoke.sh prepared: the images to run. The stack tests need it; they do not build. */
export function preparedImages(): { app: string; postgres: string; nats: string; proxy: string; prometheus: string } {
  const app = process.env['APIM_IMAGE'];
  if (!app) throw new Error('APIM_IMAGE is not set: run the stack tests through `npm run test:compose` (deploy/test/compose-smoke.sh), which builds the image');
  return { app, postgres: process.env['POSTGRES_IMAGE'] ?? '', nats: process.env['NATS_IMAGE'] ?? '', proxy: process.env['PROXY_IMAGE'] ?? '', prometheus: process.env['PROMETHEUS_IMAGE'] ?? '' };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: ExecFileOptions & { input?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 600_000, ...options, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** True when nothing listens on the port (all interfaces, as Docker publishes). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free host ports below 32768: the ephemeral range above it is where this machine's
 * outgoing connections take their local ports, so a published port there can collide with one of them.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports between 20000 and 32767`);
}

/**
 * An override for engines older than Docker Engine 25 (API 1.44), which refuse `healthcheck.start_interval`:
 * drops the key from every service that sets it (checks then run at `interval` from the start, so a
 * service is seen healthy up to one interval later). Made from the compose file, so it covers every service.
 */
export function startIntervalOverride(composeFile: string): string {
  const doc = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, { healthcheck?: Record<string, unknown> }> };
  const lines = ['services:'];
  for (const [name, service] of Object.entries(doc.services)) {
    if (service.healthcheck && 'start_interval' in service.healthcheck) lines.push(`  ${name}:`, '    healthcheck:', '      start_interval: !reset null');
  }
  return `${lines.join('\n')}\n`;
}

export async function engineApiVersion(): Promise<string> {
  const result = await run('docker', ['version', '--format', '{{.Server.APIVersion}}']);
  if (result.code !== 0) throw new Error(`no Docker engine answers: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

const olderThan = (version: string, than: string) => {
  const [a, b] = [version, than].map((v) => v.split('.').map(Number)) as [number[], number[]];
  return a[0]! < b[0]! || (a[0] === b[0] && a[1]! < b[1]!);
};

export interface StackOptions {
  /** Extra variables for the project's .env (ports, images, optional settings). */
  env?: Record<string, string>;
  /** Extra compose files (overrides) after docker-compose.yml. */
  files?: string[];
}

/** One Compose project: its own name, .env, volumes and network; `down()` removes all of it. */
export class ComposeStack {
  readonly project = `apimtest${randomBytes(3).toString('hex')}`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'apim-stack-'));
  readonly secrets = {
    DB_PASSWORD: hex(),
    KEYSTORE_PASSWORD: hex(),
    ADMIN_PASSWORD: hex(),
    NATS_KEY_MANAGER_PASSWORD: hex(),
    NATS_DEVPORTAL_PASSWORD: hex(),
    NATS_CLI_PASSWORD: hex(),
  };
  private files: string[] = [COMPOSE_FILE];
  private readonly envFile = path.join(this.dir, '.env');

  private constructor(readonly env: Record<string, string>) {}

  static async create(options: StackOptions = {}): Promise<ComposeStack> {
    const images = preparedImages();
    const stack = new ComposeStack({});
    Object.assign(stack.env, {
      APIM_IMAGE: images.app,
      ...(images.postgres ? { POSTGRES_IMAGE: images.postgres } : {}),
      ...(images.nats ? { NATS_IMAGE: images.nats } : {}),
      ...(images.proxy ? { PROXY_IMAGE: images.proxy } : {}),
      ...(images.prometheus ? { PROMETHEUS_IMAGE: images.prometheus } : {}),
      ...options.env,
    });
    if (olderThan(await engineApiVersion(), '1.44')) {
      const override = path.join(stack.dir, 'engine-before-25.yml');
      writeFileSync(override, startIntervalOverride(COMPOSE_FILE));
      stack.files.push(override);
    }
    stack.files.push(...(options.files ?? []));
    stack.writeSecrets();
    stack.writeEnv();
    return stack;
  }

  /** The Compose secret files (as deploy/init-secrets.sh makes them: mode 0600, owned by the services' uid 1000). */
  writeSecrets(): void {
    const dir = path.join(this.dir, 'secrets');
    mkdirSync(dir, { mode: 0o700 });
    const files = {
      db_password: this.secrets.DB_PASSWORD,
      keystore_password: this.secrets.KEYSTORE_PASSWORD,
      admin_password: this.secrets.ADMIN_PASSWORD,
      nats_key_manager_password: this.secrets.NATS_KEY_MANAGER_PASSWORD,
      nats_devportal_password: this.secrets.NATS_DEVPORTAL_PASSWORD,
      nats_cli_password: this.secrets.NATS_CLI_PASSWORD,
    };
    for (const [name, value] of Object.entries(files)) writeFileSync(path.join(dir, name), value, { mode: 0o600 });
    if (process.getuid?.() === 0) for (const name of ['', ...Object.keys(files)]) chownSync(path.join(dir, name), 1000, 1000);
    this.env['SECRETS_DIR'] = dir;
  }

  writeEnv(): void {
    writeFileSync(this.envFile, Object.entries(this.env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  }

  /** The options that make `docker compose` address this project (before its command). */
  get options(): string[] {
    return ['--project-name', this.project, '--project-directory', REPO_ROOT, '--env-file', this.envFile, ...this.files.flatMap((f) => ['-f', f])];
  }

  /** `docker compose <args>` for this project. */
  compose(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
    return run('docker', ['compose', ...this.options, ...args], { cwd: REPO_ROOT, timeout: options.timeoutMs ?? 600_000, input: options.input });
  }

  /**
   * `docker compose <args> [< stdin] [> stdout]`: a command whose input or output is a file, bytes as they
   * are (a dump, a keystore). A non-zero exit throws with its standard error.
   */
  async redirected(args: string[], files: { stdin?: string; stdout?: string }): Promise<void> {
    const stdin = files.stdin ? openSync(files.stdin, 'r') : 'ignore';
    const stdout = files.stdout ? openSync(files.stdout, 'w', 0o600) : 'ignore';
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('docker', ['compose', ...this.options, ...args], { cwd: REPO_ROOT, stdio: [stdin, stdout, 'pipe'] });
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker compose ${args.join(' ')} failed (${code}):\n${stderr}`))));
      });
    } finally {
      if (typeof stdin === 'number') closeSync(stdin);
      if (typeof stdout === 'number') closeSync(stdout);
    }
  }

  /** Like `compose`, but a non-zero exit throws with the command's output. */
  async must(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const result = await this.compose(args, options);
    if (result.code !== 0) throw new Error(`docker compose ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  /** `up -d --wait`: returns once every started service is healthy (or completed, for one-shots). */
  async up(extra: string[] = []): Promise<void> {
    const result = await this.compose(['up', '-d', '--no-build', '--wait', ...extra]);
    if (result.code !== 0) throw new Error(`docker compose up failed (${result.code}):\n${result.stderr}\n${await this.healthLogs()}\n${await this.logs()}`);
  }

  /** The last health check results of every container that has a health check (to tell why one is unhealthy). */
  async healthLogs(): Promise<string> {
    const ids = (await this.must(['ps', '--all', '--quiet'])).split('\n').filter(Boolean);
    if (ids.length === 0) return '';
    const out = await run('docker', ['inspect', '--format', '{{.Name}} {{if .State.Health}}{{.State.Health.Status}} {{range .State.Health.Log}}[exit {{.ExitCode}} {{.Start}}: {{.Output}}] {{end}}{{end}}', ...ids]);
    return out.stdout;
  }

  async logs(tail = 40): Promise<string> {
    return (await this.compose(['logs', '--no-color', '--tail', String(tail)])).stdout;
  }

  /** Host port a service's container port is published on (instance `index`, 1-based). */
  async port(service: string, containerPort: number, index = 1): Promise<number> {
    const out = await this.must(['port', '--index', String(index), service, String(containerPort)]);
    const port = Number(out.trim().split(':').pop());
    if (!port) throw new Error(`${service} #${index} publishes no port for ${containerPort}: ${out}`);
    return port;
  }

  /** Containers of a service, in index order. */
  async containers(service: string): Promise<{ name: string; state: string; health: string }[]> {
    const out = await this.must(['ps', '--all', '--format', 'json', service]);
    // Compose 2.21+ prints one JSON object per line; older ones print one array.
    const rows = out.trim().startsWith('[') ? (JSON.parse(out) as Record<string, string>[]) : out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
    return rows.map((r) => ({ name: r['Name']!, state: r['State']!, health: r['Health'] ?? '' })).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  }

  /** Runs SQL in the postgres service as the apim user; rows as arrays of column strings. */
  async sql(query: string): Promise<string[][]> {
    const out = await this.must(['exec', '-T', 'postgres', 'psql', '-U', 'apim', '-d', 'apim', '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-c', query]);
    return out.split('\n').filter(Boolean).map((line) => line.split('\t'));
  }

  /** GET on a port inside one instance of a service (with Node's fetch: the image has no curl). */
  async fetchInside(service: string, index: number, url: string): Promise<string> {
    const script = `fetch(${JSON.stringify(url)}).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.error(e.message); process.exit(1); })`;
    return this.must(['exec', '-T', '--index', String(index), service, 'node', '-e', script]);
  }

  /** GETs `url` from inside a container (its loopback, its network) whatever the status: what a probe there sees. */
  async probeInside(service: string, index: number, url: string): Promise<{ status: number; body: string }> {
    const script = `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { console.error(e.message); process.exit(1); })`;
    return JSON.parse(await this.must(['exec', '-T', '--index', String(index), service, 'node', '-e', script])) as { status: number; body: string };
  }

  /** Stops and removes the project's containers, networks and volumes, and its temporary folder. */
  async down(): Promise<void> {
    await this.compose(['--profile', 'tools', '--profile', 'monitoring', 'down', '--volumes', '--remove-orphans', '--timeout', '10']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function hex(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Makes the global `fetch` (which the demo client uses) trust one more CA certificate — the stack's
 * development certificate — for the rest of the test file: undici's own fetch with an agent that adds it.
 */
export async function trustCertificate(pem: string): Promise<void> {
  const { Agent, fetch: undiciFetch } = await import('undici');
  const dispatcher = new Agent({ connect: { ca: [...tls.rootCertificates, pem] } });
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as typeof fetch;
}

/** The first certificate of a PEM text (a PEM file may also hold the private key, which stays out). */
export function firstCertificate(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(pem);
  if (!match) throw new Error('no certificate in the PEM text');
  return match[0];
}

/** Reads one Prometheus counter's total over all label sets from a /metrics text. */
export function counterTotal(metricsText: string, name: string): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

