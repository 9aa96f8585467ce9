// A service started as Compose starts it (node dist/apps/<service>/src/main.js with DEPLOYMENT_CONFIG) with
// one mistake in what its configuration names: it must stop at once with one line saying what is wrong and
// what to do, exit 78 (EX_CONFIG: restarting will not help), and print no stack trace and no secret. Before
// this, a missing database gave ten "Retrying" lines over ~30 s and a JSON stack trace, and a wrong keystore
// password a stack trace and exit 1. A server that may come back (NATS) exits 1 with its address.
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt, REPO_ROOT } from './support/built-dist.js';
import { freePortPair, LocalProcess } from './support/local-process.js';
import { renderToml, makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { TEST_DATABASE_URL } from '../support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

const SERVICES = { 'key-manager': 'dist/apps/key-manager/src/main.js', devportal: 'dist/apps/devportal/src/main.js' } as const;
const ADMIN_PASSWORD = 'startup-admin-password-1';

let tmp: TestConfigDir;
let keystore: TestKeystore;

beforeAll(async () => {
  ensureBuilt(Object.values(SERVICES));
  tmp = await makeTempDir('service-startup-');
  keystore = await createTestKeystore(tmp.dir);
}, 300_000);

afterAll(async () => {
  await tmp?.remove();
});

async function writeConfig(name: string, overrides: { databaseUrl?: string; keystoreFile?: string; keystorePassword?: string; natsUrl?: string }): Promise<string> {
  const port = await freePortPair();
  const file = path.join(tmp.dir, `${name}.toml`);
  writeFileSync(
    file,
    renderToml({
      server: { host: '127.0.0.1' },
      database: { url: overrides.databaseUrl ?? TEST_DATABASE_URL },
      'transport.nats': { servers: [overrides.natsUrl ?? 'nats://127.0.0.1:4222'], subject_prefix: `startup-test-${name}` },
      'keystore.primary': { file_name: overrides.keystoreFile ?? keystore.file, type: 'PKCS12', password: overrides.keystorePassword ?? keystore.password, alias: keystore.alias },
      'apim.oauth_config': { enable_token_encryption: true },
      super_admin: { username: 'admin', password: ADMIN_PASSWORD },
      'key_manager.server': { port },
      'devportal.server': { port: port + 1 },
    }),
    { mode: 0o600 },
  );
  return file;
}

async function startWith(service: keyof typeof SERVICES, configFile: string): Promise<{ code: number | null; seconds: number; lines: string[]; log: string }> {
  const started = Date.now();
  const child = new LocalProcess(service, process.execPath, [path.join(REPO_ROOT, SERVICES[service])], {
    cwd: tmp.dir,
    env: { PATH: process.env['PATH'], DEPLOYMENT_CONFIG: configFile },
  });
  const status = await child.waitForExit(60_000);
  // stderr carries the one line for people; stdout the JSON log.
  const stderr = child.log.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
  return { code: status.code, seconds: (Date.now() - started) / 1000, lines: stderr, log: child.log };
}

function expectNoStackAndNoSecret(log: string, secrets: string[]): void {
  expect(log).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  expect(log).not.toMatch(/\\n\s+at /);
  for (const secret of secrets) expect(log).not.toContain(secret);
}

describe.each(Object.keys(SERVICES) as (keyof typeof SERVICES)[])('%s started with a mistake in what its configuration names', (service) => {
  it('a database that does not exist: one line with the createdb command, exit 78, no retrying', async () => {
    const database = `no_such_db_${Date.now().toString(36)}`;
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    const result = await startWith(service, await writeConfig(`${service}-no-db`, { databaseUrl: url.toString() }));
    expect(result.code).toBe(78);
    expect(result.lines).toEqual([
      `${service} cannot start: database "${database}" does not exist (PostgreSQL at ${url.hostname}:${url.port}, [database] url): create it (createdb -h ${url.hostname} -p ${url.port} -U ${decodeURIComponent(url.username)} ${database}), or point [database] url at one that exists [3D000]`,
    ]);
    expect(result.log).not.toMatch(/Retrying/);
    // TypeORM would retry 10 times, 3 s apart: well under that means it did not.
    expect(result.seconds).toBeLessThan(25);
    expectNoStackAndNoSecret(result.log, [keystore.password, ADMIN_PASSWORD]);
  }, 90_000);

  it('a wrong keystore password: one line naming the keystore, exit 78', async () => {
    const wrong = 'not-the-keystore-password';
    const result = await startWith(service, await writeConfig(`${service}-bad-password`, { keystorePassword: wrong }));
    expect(result.code).toBe(78);
    expect(result.lines).toEqual([`${service} cannot start: cannot open the keys: wrong store password for keystore ${keystore.file} (or the file was altered) [KEYSTORE_BAD_PASSWORD]`]);
    expectNoStackAndNoSecret(result.log, [keystore.password, wrong, ADMIN_PASSWORD]);
  }, 90_000);

  it('a keystore file that is not there: one line naming the file, exit 78', async () => {
    const moved = path.join(tmp.dir, `${service}-missing.p12`);
    copyFileSync(keystore.file, moved);
    rmSync(moved);
    const result = await startWith(service, await writeConfig(`${service}-no-keystore`, { keystoreFile: moved }));
    expect(result.code).toBe(78);
    expect(result.lines).toEqual([`${service} cannot start: cannot open the keys: keystore ${moved} does not exist [KEYSTORE_NOT_FOUND]`]);
    expectNoStackAndNoSecret(result.log, [keystore.password, ADMIN_PASSWORD]);
  }, 90_000);

  it('NATS not reachable: one line naming the server and the key, exit 1 (it may come back: a supervisor restarts)', async () => {
    const port = await freePortPair();
    const result = await startWith(service, await writeConfig(`${service}-no-nats`, { natsUrl: `nats://startup:nats-secret-pw@127.0.0.1:${port}` }));
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([`${service} cannot start: cannot reach NATS at nats://startup:****@127.0.0.1:${port} ([transport.nats] servers): connection refused [NATS_UNREACHABLE]`]);
    expectNoStackAndNoSecret(result.log, [keystore.password, ADMIN_PASSWORD, 'nats-secret-pw']);
  }, 90_000);
});
