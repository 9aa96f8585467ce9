// docker-compose.yml, statically: valid against the Compose Specification and consistent with
// deploy/Dockerfile and deploy/config/deployment.toml. Running it on a real engine is
// test/deploy/stack/compose-stack.spec.ts (`npm run test:compose`).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ConfigError, loadConfig, type DeploymentConfig } from '@app/config';
import { createSelfSignedTlsCertificate } from '@app/crypto';
import { REPO_ROOT } from './support/built-dist.js';
import {
  argvOf,
  dependenciesOf,
  environmentOf,
  loadComposeFile,
  mountsOf,
  publishedPortsOf,
  readEnvFile,
  type ComposeService,
} from './support/compose-file.js';
import { validateCompose } from './support/compose-schema.js';
import { readDockerfileStages } from './support/dockerfile.js';

const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const ENV_EXAMPLE = path.join(REPO_ROOT, 'deploy/.env.example');
const APP_SECRETS = ['db_password', 'keystore_password', 'admin_password'] as const;
/** Each application container's own NATS password, mounted as /run/secrets/nats_password. */
const NATS_SECRET_OF = { 'key-manager': 'nats_key_manager_password', devportal: 'nats_devportal_password', cli: 'nats_cli_password' } as const;
const NATS_USER_OF = { 'key-manager': 'key-manager', devportal: 'devportal', cli: 'cli' } as const;
const SECRETS = [...APP_SECRETS, ...Object.values(NATS_SECRET_OF)] as const;

const envExample = readEnvFile(ENV_EXAMPLE);
const { resolved: compose } = loadComposeFile(COMPOSE_FILE, envExample);
// What deploy/init-secrets.sh makes: one file per secret.
const FRESH: Record<(typeof APP_SECRETS)[number], string> = { db_password: '5c0ffee0d1b2a3', keystore_password: '6bead5e7f8a9b0', admin_password: '7a11ce4b3c2d1e' };
const FRESH_NATS = { 'key-manager': '8a7e5f0b1c2d3e', devportal: '9d0e1f2a3b4c5d', cli: 'ae1f2b3c4d5e6f' } as const;
const SECRET_MOUNT = '/run/secrets/';
/** [database] ssl_ca_file: the certificate tls-init writes into the volume postgres-ca (made in beforeAll). */
const POSTGRES_CA_FILE = '/etc/postgres-ca/postgres-ca.pem';
let files: ReadonlyMap<string, string>;
beforeAll(async () => {
  files = new Map([[POSTGRES_CA_FILE, (await createSelfSignedTlsCertificate({ hosts: ['postgres'], validityDays: 2 })).certificatePem]]);
});

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});
const temporary: string[] = [];

/** deployment.toml as a service reads it, with its /run/secrets/ files taken from a folder holding `values`. */
function withSecrets(values: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'compose-spec-'));
  temporary.push(dir);
  for (const [name, value] of Object.entries(values)) writeFileSync(path.join(dir, name), `${value}\n`);
  const file = path.join(dir, 'deployment.toml');
  writeFileSync(file, readFileSync(path.join(REPO_ROOT, 'deploy/config/deployment.toml'), 'utf8').replaceAll(`$file{${SECRET_MOUNT}`, `$file{${dir}/`));
  return file;
}
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};
const longRunning = ['key-manager', 'devportal'] as const;

function buildOf(name: string): { context: string; dockerfile: string } {
  const build = service(name).build!;
  return typeof build === 'string' ? { context: build, dockerfile: 'Dockerfile' } : { context: build.context ?? '.', dockerfile: build.dockerfile ?? 'Dockerfile' };
}
const dockerfilePath = path.resolve(REPO_ROOT, buildOf('key-manager').context, buildOf('key-manager').dockerfile);
const runtime = readDockerfileStages(dockerfilePath).at(-1)!;

/** The bind mount that holds a service's DEPLOYMENT_CONFIG (the config folder). */
function configMount(name: string) {
  const env = environmentOf(service(name));
  const file = env['DEPLOYMENT_CONFIG'] ?? '';
  const mount = mountsOf(service(name)).find((m) => m.type === 'bind' && (file === m.target || file.startsWith(`${m.target}/`)));
  if (!mount) throw new Error(`${name}: DEPLOYMENT_CONFIG=${file} is not in a mounted folder`);
  return { mount, file: path.resolve(REPO_ROOT, mount.source!, path.relative(mount.target, file)) };
}

/** The config a service gets in its container: the mounted file, read with the service's environment and secrets. */
function containerConfig(name: 'key-manager' | 'devportal', secrets: Record<string, string> = FRESH): DeploymentConfig {
  expect(configMount(name).file).toBe(path.join(REPO_ROOT, 'deploy/config/deployment.toml'));
  // The container's /run/secrets/nats_password is its own service's NATS secret.
  return loadConfig({ service: name, file: withSecrets({ nats_password: FRESH_NATS[name], ...secrets }), env: { ...runtime.env, ...environmentOf(service(name)) }, files });
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification JSON schema', () => {
    expect(validateCompose(compose)).toEqual([]);
    // The validator is not vacuous: a misspelt key or a wrong depends_on condition is reported.
    const broken = structuredClone(compose);
    (broken.services['key-manager'] as Record<string, unknown>)['helthcheck'] = {};
    (broken.services['devportal']!.depends_on as Record<string, { condition: string }>)['postgres']!.condition = 'healthy';
    expect(validateCompose(broken).length).toBeGreaterThan(0);
  });

  it('hands the passwords to the services as Compose secret files, never through the environment or a command line', () => {
    const declared = compose['secrets'] as Record<string, { file: string }>;
    expect(Object.keys(declared).sort()).toEqual([...SECRETS].sort());
    for (const name of SECRETS) expect(declared[name]!.file).toBe(`./deploy/secrets/${name}`);
    for (const name of [...longRunning, 'cli'] as const) {
      expect(service(name)['secrets']).toEqual([...APP_SECRETS, { source: NATS_SECRET_OF[name], target: 'nats_password' }]);
    }
    // NATS gets the three NATS passwords (to check them), nothing else; each reaches nats-server's config
    // through the variable its users are declared with.
    expect(service('nats')['secrets']).toEqual(Object.values(NATS_SECRET_OF));
    const natsConf = readFileSync(path.join(REPO_ROOT, 'deploy/nats/nats-server.conf'), 'utf8');
    const natsCommand = argvOf(service('nats').command).join(' ');
    for (const [name, secret] of Object.entries(NATS_SECRET_OF)) {
      const variable = new RegExp(`user: "${NATS_USER_OF[name as keyof typeof NATS_USER_OF]}"\\s+password: \\$([A-Z_]+)`).exec(natsConf)?.[1];
      expect({ name, variable }).toEqual({ name, variable: expect.stringMatching(/^[A-Z_]+$/) });
      // Quoted, so that nats-server reads the value as a string (a bare 0e5f… would parse as a number).
      expect(natsCommand).toContain(`${variable}="\\"$(cat /run/secrets/${secret})\\""`);
    }
    expect(service('postgres')['secrets']).toEqual(['db_password']);
    expect(environmentOf(service('postgres'))['POSTGRES_PASSWORD_FILE']).toBe('/run/secrets/db_password');
    expect(service('keystore-init')['secrets']).toEqual(['keystore_password']);
    expect(argvOf(service('keystore-init').command).join(' ')).toContain('--password-file /run/secrets/keystore_password');
    // deployment.toml reads each from the file the services get.
    const toml = readFileSync(path.join(REPO_ROOT, 'deploy/config/deployment.toml'), 'utf8');
    const referenced = [...toml.matchAll(/^[^#\n]*\$file\{\/run\/secrets\/([a-z_]+)\}/gm)].map((m) => m[1]);
    expect(new Set(referenced)).toEqual(new Set([...APP_SECRETS, 'nats_password']));
    // No password, secret or key in any service's environment or command.
    for (const [name, entry] of Object.entries(compose.services)) {
      const env = Object.entries(environmentOf(entry)).filter(([key]) => /PASSWORD|SECRET|_KEY$/i.test(key) && !key.endsWith('_FILE'));
      expect({ service: name, env }).toEqual({ service: name, env: [] });
      expect(JSON.stringify(entry.command ?? '')).not.toMatch(/--password[ "]|--password=/);
    }
    // The secret folder is git-ignored, and deploy/init-secrets.sh makes exactly these files.
    expect(readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8')).toMatch(/^deploy\/secrets\/$/m);
    expect(readFileSync(path.join(REPO_ROOT, 'deploy/init-secrets.sh'), 'utf8')).toContain(`names='${SECRETS.join(' ')}'`);
  });

  it('refuses to start the services with placeholder passwords', () => {
    for (const name of longRunning) {
      let error: unknown;
      try {
        containerConfig(name, { db_password: 'example-db-password-change-me', keystore_password: 'example-keystore-password-change-me', admin_password: 'example-admin-password-change-me' });
      } catch (caught) {
        error = caught;
      }
      expect((error as ConfigError).issues.filter((i) => i.problem.includes('placeholder')).map((i) => i.key).sort()).toEqual(['database.url', 'keystore.primary.password', 'super_admin.password']);
    }
  });

  it('needs no variable from .env: every one the file reads has a default, and deploy/.env.example names each', () => {
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    expect([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)]).toEqual([]);
    const example = readFileSync(ENV_EXAMPLE, 'utf8');
    for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) expect({ name, documented: example.includes(`# ${name}=`) }).toEqual({ name, documented: true });
  });

  it('lets the Key Manager scale: no container_name, no host port; the proxy is the only published port', () => {
    const km = service('key-manager');
    expect(km.container_name).toBeUndefined();
    const published = Object.entries(compose.services).filter(([, s]) => publishedPortsOf(s).length > 0).map(([name]) => name);
    expect(published).toEqual(['proxy']);
    expect(publishedPortsOf(service('proxy'))).toEqual([{ container: 8443, host: '8443' }]);
    // Instances share the bus as one NATS queue group.
    expect(containerConfig('key-manager').nats.queue).toBeTruthy();
  });

  it('puts the proxy in front: it balances over every replica it finds in DNS, checks readiness, and terminates TLS', () => {
    const cfg = readFileSync(path.join(REPO_ROOT, 'deploy/proxy/haproxy.cfg'), 'utf8');
    const proxyMounts = mountsOf(service('proxy'));
    expect(proxyMounts.find((m) => m.source === './deploy/proxy/haproxy.cfg')).toMatchObject({ type: 'bind', read_only: true });
    for (const name of longRunning) {
      const port = containerConfig(name).server.port;
      expect(cfg).toMatch(new RegExp(`server-template \\S+ \\d+ ${name}:${port}\\n`));
      // Never the management port.
      expect(cfg).not.toContain(`${name}:${containerConfig(name).management.port}`);
      expect(dependenciesOf(service('proxy'))[name]).toBe('service_healthy');
    }
    expect(cfg).toContain('http-check send meth GET uri /health/ready');
    expect(cfg).toContain('resolvers docker');
    expect(cfg).toMatch(/bind :8443 ssl crt \/usr\/local\/etc\/haproxy\/certs\//);
    // The certificate folder the proxy serves is the one tls-init fills on first start.
    const certs = proxyMounts.find((m) => m.target === '/usr/local/etc/haproxy/certs')!;
    expect(certs.read_only).toBe(true);
    expect(mountsOf(service('tls-init')).find((m) => m.target === '/certs')?.source).toBe(certs.source);
    expect(argvOf(service('tls-init').command).join(' ')).toContain('tls dev-certificate --out /certs/dev.pem');
    expect(dependenciesOf(service('proxy'))['tls-init']).toBe('service_completed_successfully');
    // Client-supplied forwarding headers are dropped before the proxy sets its own (the services trust them).
    for (const header of ['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'Forwarded']) expect(cfg).toContain(`http-request del-header ${header}\n`);
  });

  it('names the published address as issuer and public URL, and trusts the proxy', () => {
    for (const name of longRunning) {
      const config = containerConfig(name);
      expect(config.server.publicUrl).toBe('https://localhost:8443');
      expect(config.server.trustProxy).toBe(true);
      expect(config.oauth.issuer).toBe('https://localhost:8443');
    }
    // Another published port or host name follows into the URL.
    const moved = loadComposeFile(COMPOSE_FILE, { ...envExample, HTTPS_PORT: '443', PUBLIC_URL: 'https://apim.example.com' }).resolved;
    expect(environmentOf(moved.services['key-manager']!)['PUBLIC_URL']).toBe('https://apim.example.com');
    expect(environmentOf(loadComposeFile(COMPOSE_FILE, { ...envExample, HTTPS_PORT: '9443' }).resolved.services['devportal']!)['PUBLIC_URL']).toBe('https://localhost:9443');
  });

  it('starts the services after healthy infrastructure and a created keystore', () => {
    for (const name of longRunning) {
      expect(dependenciesOf(service(name))).toMatchObject({
        postgres: 'service_healthy',
        nats: 'service_healthy',
        'keystore-init': 'service_completed_successfully',
      });
      expect(service(name).healthcheck?.test).toBeDefined();
    }
    expect(dependenciesOf(service('devportal'))['key-manager']).toBe('service_healthy');
    for (const infra of ['postgres', 'nats']) expect(service(infra).healthcheck?.test).toBeDefined();
    expect(service('keystore-init').restart).toBe('no');
  });

  it('gives the services one read-only config and a read-only keystore volume; only keystore-init writes it', () => {
    for (const name of longRunning) {
      const mounts = mountsOf(service(name));
      // The folder, so that an edit replacing the file is seen when `encryption rollout` makes services reload it.
      expect(configMount(name)).toMatchObject({ mount: { type: 'bind', source: './deploy/config', read_only: true }, file: path.join(REPO_ROOT, 'deploy/config/deployment.toml') });
      expect(mounts.find((m) => m.source === 'keystore')).toMatchObject({ type: 'volume', read_only: true });
    }
    expect(mountsOf(service('keystore-init')).find((m) => m.source === 'keystore')?.read_only).not.toBe(true);
    // The operator CLI: run on demand (`docker compose run --rm cli …`), same config, writes new keystores.
    expect(service('cli').profiles).toEqual(['tools']);
    expect(argvOf(service('cli').entrypoint)).toEqual(['node', 'dist/apps/cli/src/main.js']);
    expect(configMount('cli').file).toBe(configMount('key-manager').file);
    expect(mountsOf(service('cli')).find((m) => m.source === 'keystore')?.read_only).not.toBe(true);
  });

  it('agrees with deployment.toml: database, bus, keystore and ports as the other services provide them', () => {
    const postgres = environmentOf(service('postgres'));
    // nats-server's arguments, inside the shell command that gives it its passwords.
    const natsCommand = argvOf(service('nats').command).join(' ').split(/\s+/);
    const keystoreInit = argvOf(service('keystore-init').command).join(' ');
    for (const name of longRunning) {
      const config = containerConfig(name);
      const db = new URL(config.database.url);
      expect(postgres['POSTGRES_PASSWORD_FILE']).toBe(`${SECRET_MOUNT}db_password`);
      expect({ host: db.hostname, port: db.port, user: db.username, password: decodeURIComponent(db.password), database: db.pathname.slice(1) }).toEqual({
        host: 'postgres',
        port: '5432',
        user: postgres['POSTGRES_USER'],
        password: FRESH.db_password,
        database: postgres['POSTGRES_DB'],
      });
      // PostgreSQL over TLS only, checking the certificate tls-init made for the host name the URL names,
      // from the volume it writes the certificate alone to.
      expect({ sslMode: config.database.sslMode, sslCaFile: config.database.sslCaFile }).toEqual({ sslMode: 'verify-full', sslCaFile: POSTGRES_CA_FILE });
      const postgresCaMount = mountsOf(service(name)).find((m) => m.source === 'postgres-ca')!;
      expect({ target: postgresCaMount.target, read_only: postgresCaMount.read_only }).toEqual({ target: path.dirname(POSTGRES_CA_FILE), read_only: true });
      const postgresCaOut = `${mountsOf(service('tls-init')).find((m) => m.source === 'postgres-ca')!.target}/${path.basename(POSTGRES_CA_FILE)}`;
      expect(argvOf(service('tls-init').command).join(' ')).toContain(`--certificate-out ${postgresCaOut} --host ${db.hostname}`);
      // NATS over TLS only, trusting the certificate tls-init made for it, from the volume it is written to.
      expect(config.nats.servers).toEqual(['tls://nats:4222']);
      const caMount = mountsOf(service(name)).find((m) => m.source === 'nats-ca')!;
      expect({ target: caMount.target, read_only: caMount.read_only }).toEqual({ target: path.dirname(config.nats.tlsCaFile!), read_only: true });
      expect(argvOf(service('tls-init').command).join(' ')).toContain(`--certificate-out ${mountsOf(service('tls-init')).find((m) => m.source === 'nats-ca')!.target}/${path.basename(config.nats.tlsCaFile!)}`);
      // Each service logs in to NATS as its own user, with its own password.
      expect({ user: config.nats.user, password: config.nats.password }).toEqual({ user: NATS_USER_OF[name], password: FRESH_NATS[name] });
      // The keystore keystore-init writes is the one the services open, in the volume they mount.
      const keystoreMount = mountsOf(service(name)).find((m) => m.source === 'keystore')!;
      expect(config.keystore.primary.file.startsWith(`${keystoreMount.target}/`)).toBe(true);
      expect(keystoreInit).toContain(`--out ${config.keystore.primary.file}`);
      expect(keystoreInit).toContain(`--alias ${config.keystore.primary.alias}`);
      // Exposed (to the proxy and Prometheus), health-checked and listened-on ports are the same container ports;
      // the management port listens on the container's network, for Prometheus.
      expect(service(name).expose).toEqual([String(config.server.port), String(config.management.port)]);
      expect(config.management).toEqual({ host: '0.0.0.0', port: config.server.port + 100 });
      const check = JSON.stringify(service(name).healthcheck?.test);
      expect(check).toContain(`/dev/tcp/127.0.0.1/${config.server.port}`);
      expect(check).toContain('GET /health/ready');
    }
    expect(JSON.stringify(service('nats').healthcheck?.test)).toContain(`:${natsCommand[natsCommand.indexOf('--http_port') + 1]}/healthz`);
    // NATS's key is in a volume only NATS and tls-init mount; the services get the certificate alone.
    const natsConf = readFileSync(path.join(REPO_ROOT, 'deploy/nats/nats-server.conf'), 'utf8');
    const keyFile = /key_file: "([^"]+)"/.exec(natsConf)![1]!;
    expect(mountsOf(service('nats')).find((m) => m.source === 'nats-tls')?.target).toBe(path.dirname(keyFile));
    expect(argvOf(service('tls-init').command).join(' ')).toContain(`--out ${mountsOf(service('tls-init')).find((m) => m.source === 'nats-tls')!.target}/${path.basename(keyFile)}`);
    for (const [name, entry] of Object.entries(compose.services)) {
      if (name !== 'nats' && name !== 'tls-init') expect({ name, mountsKey: mountsOf(entry).some((m) => m.source === 'nats-tls') }).toEqual({ name, mountsKey: false });
    }
    expect(dependenciesOf(service('nats'))['tls-init']).toBe('service_completed_successfully');
  });

  it('runs PostgreSQL with TLS and scram passwords only over TCP, its key in a volume only it and tls-init mount', () => {
    const argv = argvOf(service('postgres').command).join(' ');
    const setting = (name: string) => new RegExp(`-c ${name}=(\\S+)`).exec(argv)?.[1];
    expect({ ssl: setting('ssl'), passwordEncryption: setting('password_encryption') }).toEqual({ ssl: 'on', passwordEncryption: 'scram-sha-256' });
    // The key file the server reads is the copy, owned by postgres and mode 0600, of what tls-init writes.
    const pemOut = /--out (\S+) --certificate-out \S+ --host postgres/.exec(argvOf(service('tls-init').command).join(' '))![1]!;
    const tlsMount = mountsOf(service('postgres')).find((m) => m.source === 'postgres-tls')!;
    expect({ target: tlsMount.target, read_only: tlsMount.read_only }).toEqual({ target: path.dirname(pemOut), read_only: true });
    expect(argv).toContain(`install -o postgres -g postgres -m 0600 ${pemOut} ${setting('ssl_key_file')} &&`);
    expect(setting('ssl_cert_file')).toBe(setting('ssl_key_file'));
    for (const [name, entry] of Object.entries(compose.services)) {
      if (name !== 'postgres' && name !== 'tls-init') expect({ name, mountsKey: mountsOf(entry).some((m) => m.source === 'postgres-tls') }).toEqual({ name, mountsKey: false });
    }
    expect(dependenciesOf(service('postgres'))['tls-init']).toBe('service_completed_successfully');
    // pg_hba.conf: the socket inside the container trusted (entrypoint, psql in the container), TCP only with TLS and scram.
    const hbaFile = setting('hba_file')!;
    const hbaMount = mountsOf(service('postgres')).find((m) => m.target === path.dirname(hbaFile))!;
    expect(hbaMount).toMatchObject({ type: 'bind', read_only: true });
    const hba = readFileSync(path.resolve(REPO_ROOT, hbaMount.source!, path.basename(hbaFile)), 'utf8');
    const lines = hba.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).map((line) => line.trim().split(/\s+/));
    expect(lines).toEqual([['local', 'all', 'all', 'trust'], ['hostssl', 'all', 'all', 'all', 'scram-sha-256']]);
    // The health check goes over TCP and TLS, as the services do (the socket answers during initialisation too).
    expect(JSON.stringify(service('postgres').healthcheck?.test)).toContain('host=127.0.0.1 sslmode=require');
    // The operator CLI trusts the same CA.
    expect(mountsOf(service('cli')).find((m) => m.source === 'postgres-ca')).toMatchObject({ target: path.dirname(POSTGRES_CA_FILE), read_only: true });
  });

  it('monitors on demand: Prometheus (profile monitoring) scrapes the management ports of the services and the proxy', () => {
    const prometheus = service('prometheus');
    expect(prometheus.profiles).toEqual(['monitoring']);
    expect(publishedPortsOf(prometheus)).toEqual([]);
    const mount = mountsOf(prometheus).find((m) => m.target === '/etc/prometheus')!;
    expect(mount).toMatchObject({ type: 'bind', source: './deploy/monitoring', read_only: true });
    const scrape = parse(readFileSync(path.join(REPO_ROOT, 'deploy/monitoring/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const jobs = Object.fromEntries(scrape.scrape_configs.map((job) => [job.job_name, job.dns_sd_configs?.[0]]));
    for (const name of longRunning) expect(jobs[name]).toEqual(expect.objectContaining({ names: [name], port: containerConfig(name).management.port }));
    expect(jobs['proxy']).toEqual(expect.objectContaining({ names: ['proxy'], port: 8404 }));
    expect(readFileSync(path.join(REPO_ROOT, 'deploy/proxy/haproxy.cfg'), 'utf8')).toMatch(/bind :8404\n[\s\S]*prometheus-exporter/);
    for (const file of scrape.rule_files) expect(existsSync(path.join(REPO_ROOT, 'deploy/monitoring', path.relative(mount.target, file)))).toBe(true);
    const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'deploy/monitoring/grafana/apim-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    expect(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).every((expr) => expr.length > 0)).toBe(true);
  });

  it('restarts, limits and rotates the logs of every long-running service; one-shots run once', () => {
    for (const name of ['postgres', 'nats', 'key-manager', 'devportal', 'proxy', 'prometheus']) {
      const entry = service(name);
      expect({ name, restart: entry.restart }).toEqual({ name, restart: 'unless-stopped' });
      const limits = (entry['deploy'] as { resources: { limits: { cpus: string; memory: string } } }).resources.limits;
      expect(Number(limits.cpus)).toBeGreaterThan(0);
      expect(limits.memory).toMatch(/^\d+[mg]$/);
    }
    for (const name of ['postgres', 'nats', 'keystore-init', 'tls-init', 'key-manager', 'devportal', 'proxy', 'prometheus']) {
      expect(service(name)['logging']).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } });
    }
    for (const name of ['keystore-init', 'tls-init', 'cli']) expect(service(name).restart).toBe('no');
  });

  it('builds a non-root image from the compiled code only, with no key or secret in it', () => {
    expect(buildOf('key-manager')).toEqual(buildOf('devportal'));
    expect(buildOf('keystore-init')).toEqual(buildOf('key-manager'));
    expect(runtime.user).not.toMatch(/^(root|0)?$/);
    expect(runtime.from).toMatch(/^node:24[.\d]*-[a-z]+-slim$/);
    for (const copy of runtime.copies) {
      expect(copy.from).toBe('build');
      for (const source of copy.sources) expect(source).toMatch(/^\/app\/(package\.json|node_modules|dist\/(apps|libs))$/);
    }
    expect(Object.keys(runtime.env).filter((k) => /PASSWORD|SECRET|KEY/i.test(k))).toEqual([]);
    // No instruction of any stage names a keystore, an env file or the config.
    const instructions = readDockerfileStages(dockerfilePath).flatMap((stage) => stage.instructions);
    expect(instructions.filter((line) => /\.p12|\.jks|\.pfx|\.env\b|deployment\.toml|deploy\/config/.test(line))).toEqual([]);
  });
});
