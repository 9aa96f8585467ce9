// Runs the application services of docker-compose.yml as local processes, as close to the containers as a
// machine without a Docker engine allows. What is mapped, and why:
//
//   container                          local stand-in                      why
//   ---------------------------------  ----------------------------------  -------------------------------------
//   image WORKDIR (/app)               the repository root (built dist/)   the image holds dist/ + node_modules
//   `node` in the command              this Node.js binary                 same major version as the image
//   image ENV (Dockerfile)             same variables                      as the container starts with them
//   named volume (keystore)            a temp folder, shared by services   volumes outlive and join containers
//   bind-mounted file (config)         a copy, with the mappings below     containers see their own paths/hosts
//   host `postgres:5432`, user, db     local server, fresh role + db       other tests share the local server
//   host `nats:4222`                   a private nats-server               Key Manager subjects are fixed
//   container port (9443, 9444)        a free local port                   containers each have their own ports
//
// Nothing else is rewritten: the command, the environment variables, the mount targets and the config
// content come from the compose file, so a wrong command, variable, mount or path fails here too.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { argvOf, dependenciesOf, environmentOf, mountsOf, publishedPortsOf, type ComposeFile, type ComposeService } from './compose-file.js';
import type { DockerfileStage } from './dockerfile.js';
import { LocalProcess, sleep } from './local-process.js';

export interface HostMapping {
  /** Compose service name used as a host name, e.g. `nats`. */
  service: string;
  /** Container port -> local port on 127.0.0.1. */
  ports: Record<number, number>;
}

export interface PostgresMapping {
  service: string;
  /** The user and database the postgres service creates (POSTGRES_USER, POSTGRES_DB). */
  user: string;
  database: string;
  /** Their local stand-ins. */
  localUser: string;
  localDatabase: string;
}

export interface LocalComposeOptions {
  repoRoot: string;
  compose: ComposeFile;
  runtime: DockerfileStage;
  workRoot: string;
  hosts: HostMapping[];
  postgres: PostgresMapping;
  /** App service -> container port -> local port. */
  appPorts: Record<string, Record<number, number>>;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseDuration(text: string | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms']!;
  return total || fallbackMs;
}

export class LocalCompose {
  readonly processes = new Map<string, LocalProcess>();
  private readonly started: string[] = [];

  constructor(private readonly options: LocalComposeOptions) {}

  service(name: string): ComposeService {
    const service = this.options.compose.services[name];
    if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
    return service;
  }

  /** Services built from this repository that `up` starts (the others are infrastructure with stand-ins; profiled ones run on demand). */
  get appServices(): string[] {
    return Object.entries(this.options.compose.services)
      .filter(([, s]) => s.build !== undefined && !s.profiles?.length)
      .map(([name]) => name);
  }

  localPort(service: string, containerPort: number): number {
    const port = this.options.appPorts[service]?.[containerPort];
    if (port === undefined) throw new Error(`no local port mapped for ${service}:${containerPort}`);
    return port;
  }

  private volumeFolder(name: string): string {
    const folder = path.join(this.options.workRoot, 'volumes', name);
    mkdirSync(folder, { recursive: true });
    return folder;
  }

  /** Host names and database of the infrastructure services -> their local stand-ins. */
  private mapHosts(text: string): string {
    let out = text;
    for (const { service, ports } of this.options.hosts) {
      for (const [container, local] of Object.entries(ports)) {
        out = out.replace(new RegExp(`(?<=[@/])${escape(service)}:${container}(?!\\d)`, 'g'), `127.0.0.1:${local}`);
      }
    }
    const pgm = this.options.postgres;
    const pgLocal = this.options.hosts.find((h) => h.service === pgm.service);
    if (pgLocal) {
      const hostPort = `127\\.0\\.0\\.1:${Object.values(pgLocal.ports)[0]}`;
      const url = new RegExp(`(postgres(?:ql)?://)${escape(pgm.user)}((?::[^@\\s"']*)?@${hostPort}/)${escape(pgm.database)}(?![\\w$-])`, 'g');
      out = out.replace(url, `$1${pgm.localUser}$2${pgm.localDatabase}`);
    }
    return out;
  }

  /** `port = <container port>` lines of a mounted config: every app container has its own ports. */
  private mapListenPorts(text: string): string {
    const all = new Map<number, number>();
    for (const ports of Object.values(this.options.appPorts)) for (const [c, l] of Object.entries(ports)) all.set(Number(c), l);
    return text.replace(/^(\s*port\s*=\s*)(\d+)(\s*(?:#.*)?)$/gm, (line, head: string, value: string, tail: string) => {
      const local = all.get(Number(value));
      return local === undefined ? line : `${head}${local}${tail}`;
    });
  }

  /** Container paths of one service (its mounts and the image's WORKDIR) -> local paths. */
  private pathMap(name: string): [string, string][] {
    const service = this.service(name);
    const entries: [string, string][] = [];
    for (const mount of mountsOf(service)) {
      if (mount.type === 'volume') entries.push([mount.target, this.volumeFolder(mount.source!)]);
      else if (mount.type === 'bind') {
        const source = path.resolve(this.options.repoRoot, mount.source!);
        if (!existsSync(source)) throw new Error(`${name}: bind mount source ${mount.source} does not exist`);
        // A mounted file, or the files of a mounted folder, are copied with the host, port and path
        // mappings, into a folder per service.
        entries.push([mount.target, path.join(this.options.workRoot, 'services', name, 'files', mount.target)]);
      }
    }
    entries.push([this.options.runtime.workdir, this.options.repoRoot]);
    return entries.sort((a, b) => b[0].length - a[0].length);
  }

  private mapPaths(text: string, map: [string, string][]): string {
    let out = text;
    for (const [container, local] of map) {
      if (container === '/') continue;
      out = out.replace(new RegExp(`(?<![\\w./-])${escape(container)}(?![\\w.-])`, 'gm'), local);
    }
    return out;
  }

  /** Writes the mapped copies of the files a service has bind-mounted. */
  private materialiseMounts(name: string, map: [string, string][]): void {
    for (const mount of mountsOf(this.service(name))) {
      if (mount.type !== 'bind') continue;
      const source = path.resolve(this.options.repoRoot, mount.source!);
      const copy = map.find(([target]) => target === mount.target)![1];
      const files = statSync(source).isFile() ? [[source, copy]] : readdirSync(source, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => [path.join(source, e.name), path.join(copy, e.name)]);
      for (const [from, to] of files as [string, string][]) {
        mkdirSync(path.dirname(to), { recursive: true });
        const text = readFileSync(from, 'utf8');
        if (text.includes('\u0000')) copyFileSync(from, to);
        else writeFileSync(to, this.mapListenPorts(this.mapHosts(this.mapPaths(text, map))));
      }
    }
  }

  private mapValue(name: string, value: string): string {
    return this.mapHosts(this.mapPaths(value, this.pathMap(name)));
  }

  /** argv as the node image's entrypoint runs it (`node …`, or a shell). */
  private resolveArgv(name: string, argv: string[]): [string, string[]] {
    const mapped = argv.map((a) => this.mapValue(name, a));
    const [command, ...args] = mapped;
    if (command === 'node') return [process.execPath, args];
    if (command === 'sh' || command === '/bin/sh') return ['/bin/sh', args];
    if (command?.startsWith('-')) return [process.execPath, mapped];
    throw new Error(`${name}: the test does not know how to run command ${JSON.stringify(command)} locally`);
  }

  environment(name: string): Record<string, string> {
    const env: Record<string, string> = {
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: path.join(this.options.workRoot, 'home'),
      ...this.options.runtime.env,
    };
    for (const [key, value] of Object.entries(environmentOf(this.service(name)))) env[key] = this.mapValue(name, value);
    return env;
  }

  private spawn(name: string, argv: string[], suffix = ''): LocalProcess {
    const map = this.pathMap(name);
    this.materialiseMounts(name, map);
    mkdirSync(path.join(this.options.workRoot, 'home'), { recursive: true });
    const [command, args] = this.resolveArgv(name, argv);
    return new LocalProcess(`${name}${suffix}`, command, args, { cwd: this.options.repoRoot, env: this.environment(name) });
  }

  private commandOf(name: string): string[] {
    const service = this.service(name);
    const argv = [...argvOf(service.entrypoint), ...argvOf(service.command)];
    if (argv.length === 0) throw new Error(`${name}: no command in docker-compose.yml (the image default is the CLI's help)`);
    return argv;
  }

  /** Runs a one-shot service to completion; throws unless it exits 0 (service_completed_successfully). */
  async runToCompletion(name: string, timeoutMs = 60_000): Promise<LocalProcess> {
    const run = this.spawn(name, this.commandOf(name), `#${Date.now()}`);
    const status = await run.waitForExit(timeoutMs);
    if (status.code !== 0) throw new Error(`${name} exited with ${JSON.stringify(status)}\n${run.tail()}`);
    return run;
  }

  /** Runs the service's healthcheck `test` once, mapped like its command; true when it exits 0. */
  async healthy(name: string): Promise<boolean> {
    const test = this.service(name).healthcheck?.test;
    if (!test) throw new Error(`${name} has no healthcheck`);
    let argv: string[];
    if (typeof test === 'string') argv = ['sh', '-c', test];
    else if (test[0] === 'CMD') argv = test.slice(1);
    else if (test[0] === 'CMD-SHELL') argv = ['sh', '-c', test.slice(1).join(' ')];
    else throw new Error(`${name}: unsupported healthcheck ${JSON.stringify(test)}`);
    // Inside its container a service reaches itself on its container port.
    const own = this.options.appPorts[name] ?? {};
    argv = argv.map((a) => Object.entries(own).reduce((s, [c, l]) => s.replace(new RegExp(`(127\\.0\\.0\\.1|localhost):${c}(?!\\d)`, 'g'), `127.0.0.1:${l}`), a));
    const check = this.spawn(name, argv, ' healthcheck');
    const status = await check.waitForExit(parseDuration(this.service(name).healthcheck?.timeout, 30_000) + 5_000).catch(() => ({ code: -1, signal: null }));
    return status.code === 0;
  }

  /** Starts a long-running service and waits until its healthcheck passes (service_healthy). */
  async startHealthy(name: string, timeoutMs = 120_000): Promise<LocalProcess> {
    const proc = this.spawn(name, this.commandOf(name));
    this.processes.set(name, proc);
    this.started.push(name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!proc.running) throw new Error(`${name} exited before it was healthy\n${proc.tail()}`);
      if (await this.healthy(name)) return proc;
      await sleep(500);
    }
    throw new Error(`${name} was not healthy within ${timeoutMs} ms\n${proc.tail()}`);
  }

  /**
   * Brings the application services up in dependency order, honouring each `depends_on` condition.
   * Infrastructure dependencies (no `build`) are the stand-ins, already up.
   */
  async up(): Promise<void> {
    const apps = new Set(this.appServices);
    const done = new Set<string>();
    const visit = async (name: string, condition: string, trail: string[]): Promise<void> => {
      if (!apps.has(name) || done.has(`${name}:${condition}`)) return;
      if (trail.includes(name)) throw new Error(`depends_on cycle: ${[...trail, name].join(' -> ')}`);
      for (const [dependency, dependencyCondition] of Object.entries(dependenciesOf(this.service(name)))) {
        await visit(dependency, dependencyCondition, [...trail, name]);
      }
      if (condition === 'service_completed_successfully') await this.runToCompletion(name);
      else if (!this.processes.has(name)) await this.startHealthy(name);
      done.add(`${name}:${condition}`);
    };
    for (const name of apps) {
      const dependedOnAsOneShot = [...apps].some((other) => dependenciesOf(this.service(other))[name] === 'service_completed_successfully');
      await visit(name, dependedOnAsOneShot ? 'service_completed_successfully' : 'service_healthy', []);
    }
  }

  /** Stops the long-running services in reverse start order (as `docker compose down`) with SIGTERM. */
  async down(): Promise<Record<string, { code: number | null; signal: string | null }>> {
    const statuses: Record<string, { code: number | null; signal: string | null }> = {};
    for (const name of this.started.splice(0).reverse()) {
      const proc = this.processes.get(name)!;
      statuses[name] = await proc.stop('SIGTERM', parseDuration(this.service(name).stop_grace_period as string | undefined, 10_000));
    }
    return statuses;
  }

  published(name: string): ReturnType<typeof publishedPortsOf> {
    return publishedPortsOf(this.service(name));
  }
}
