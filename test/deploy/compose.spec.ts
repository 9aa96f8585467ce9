// docker-compose.yml, statically: valid against the Compose Specification and consistent with
// deploy/Dockerfile and deploy/config/deployment.toml. Running it on a real engine is
// test/deploy/stack/compose-stack.spec.ts (`npm run test:compose`).
import path from 'node:path';
import { loadConfig, type DeploymentConfig } from '@app/config';
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
const SECRETS = ['DB_PASSWORD', 'KEYSTORE_PASSWORD', 'ADMIN_PASSWORD'] as const;

const envExample = readEnvFile(ENV_EXAMPLE);
const { raw, resolved: compose } = loadComposeFile(COMPOSE_FILE, envExample);
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

/** The config a service gets in its container: the mounted file, read with the service's environment. */
function containerConfig(name: 'key-manager' | 'devportal'): DeploymentConfig {
  return loadConfig({ service: name, file: configMount(name).file, env: { ...runtime.env, ...environmentOf(service(name)) } });
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

  it('refuses to start when a secret is missing from .env, naming it', () => {
    for (const name of SECRETS) {
      const { [name]: _omitted, ...without } = envExample;
      expect(() => loadComposeFile(COMPOSE_FILE, without)).toThrow(new RegExp(`required variable ${name} is missing a value: set ${name} in .env`));
      expect(() => loadComposeFile(COMPOSE_FILE, { ...without, [name]: '' })).toThrow(new RegExp(`required variable ${name}`));
    }
  });

  it('takes every required variable from deploy/.env.example', () => {
    const required = [...JSON.stringify(raw).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1]!);
    expect(new Set(required)).toEqual(new Set(SECRETS));
    for (const name of required) expect(envExample[name]).toBeTruthy();
  });

  it('lets the Key Manager scale: no container_name, a host port range that the portal does not use', () => {
    const km = service('key-manager');
    expect(km.container_name).toBeUndefined();
    const kmPorts = publishedPortsOf(km);
    const portalPorts = publishedPortsOf(service('devportal')).map((p) => Number(p.host));
    for (const port of kmPorts) {
      // A fixed host port would make the second instance fail with "port is already allocated".
      expect(port.host).toMatch(/^\d+-\d+$/);
      const [low, high] = port.host!.split('-').map(Number) as [number, number];
      expect(high - low).toBeGreaterThanOrEqual(4);
      for (const portal of portalPorts) expect(portal >= low && portal <= high).toBe(false);
    }
    // Instances share the bus as one NATS queue group.
    expect(containerConfig('key-manager').nats.queue).toBeTruthy();
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
    const natsCommand = argvOf(service('nats').command);
    const keystoreInit = argvOf(service('keystore-init').command).join(' ');
    for (const name of longRunning) {
      const config = containerConfig(name);
      const db = new URL(config.database.url);
      expect({ host: db.hostname, port: db.port, user: db.username, password: decodeURIComponent(db.password), database: db.pathname.slice(1) }).toEqual({
        host: 'postgres',
        port: '5432',
        user: postgres['POSTGRES_USER'],
        password: postgres['POSTGRES_PASSWORD'],
        database: postgres['POSTGRES_DB'],
      });
      expect(config.nats.servers).toEqual(['nats://nats:4222']);
      // The keystore keystore-init writes is the one the services open, in the volume they mount.
      const keystoreMount = mountsOf(service(name)).find((m) => m.source === 'keystore')!;
      expect(config.keystore.primary.file.startsWith(`${keystoreMount.target}/`)).toBe(true);
      expect(keystoreInit).toContain(`--out ${config.keystore.primary.file}`);
      expect(keystoreInit).toContain(`--alias ${config.keystore.primary.alias}`);
      // Published, health-checked and listened-on ports are the same container port.
      expect(publishedPortsOf(service(name)).map((p) => p.container)).toEqual([config.server.port]);
      const check = JSON.stringify(service(name).healthcheck?.test);
      expect(check).toContain(`/dev/tcp/127.0.0.1/${config.server.port}`);
      expect(check).toContain('GET /health/ready');
    }
    expect(JSON.stringify(service('nats').healthcheck?.test)).toContain(`:${natsCommand[natsCommand.indexOf('--http_port') + 1]}/healthz`);
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
