// The backup and restore procedure of docs/operations.md#backup-and-restore, done for real: tokens and
// consumer secrets issued by the built services (as their own processes, encryption on), both schemas
// dumped with pg_dump, the database server thrown away, a fresh empty one restored from the dump, and a
// fresh Key Manager and portal started from the same keystore and the same deployment.toml. Every token
// must still be active and every consumer secret still usable. A restore with another keystore (the
// one Compose's keystore-init makes when the keystore volume was not restored) must stop the Key Manager
// with the stored-secrets check, naming what it cannot read.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { runBuiltServiceToExit } from '../deploy/support/local-process.js';
import { devportalApi, DEVPORTAL_API, signUpAndLogIn } from '../support/devportal.js';
import { freePort } from '../support/free-port.js';
import { TEST_ADMIN } from '../support/key-manager.harness.js';
import { keyManagerOAuth } from '../support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { pgBinary, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { serviceProcess, type ServiceProcess } from '../support/service-process.js';
import { makeTempDir, writeTestConfig, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(240_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;
let postgres: PrivatePostgres | undefined;
let configFile: string;
let ports: { km: number; dp: number };
let running: ServiceProcess[] = [];
const timings: string[] = [];

/** What the first system issued, to be found again after the restore. */
const issued = {
  user: { username: 'backup-owner', password: 'Backed up and restored 1' },
  clients: [] as Array<{ clientId: string; clientSecret: string; label: string }>,
  accessTokens: [] as string[],
  refreshTokens: [] as Array<{ clientId: string; clientSecret: string; token: string }>,
  applications: [] as string[],
};
let resourceServer: { clientId: string; clientSecret: string };

async function startServices(): Promise<{ km: ServiceProcess; dp: ServiceProcess }> {
  const km = serviceProcess({ service: 'key-manager', name: `key-manager-${running.length}`, configFile, baseUrl: `http://127.0.0.1:${ports.km}`, logDir: tmp.dir });
  const dp = serviceProcess({ service: 'devportal', name: `devportal-${running.length}`, configFile, baseUrl: `http://127.0.0.1:${ports.dp}`, logDir: tmp.dir });
  running.push(km, dp);
  await km.start();
  await dp.start();
  return { km, dp };
}

async function stopServices(): Promise<void> {
  for (const service of running.reverse()) expect(await service.stop('SIGTERM')).toBe(0);
  running = [];
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client(postgres!.admin);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs a PostgreSQL program against the private server's socket; returns the seconds it took. */
function timed(label: string, program: string, args: string[]): number {
  const started = process.hrtime.bigint();
  execFileSync(pgBinary(program), ['-h', String(postgres!.admin.host), '-p', String(postgres!.port), '-U', 'postgres', ...args], { stdio: 'pipe' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  timings.push(`${label}: ${seconds.toFixed(2)} s`);
  return seconds;
}

beforeAll(async () => {
  tmp = await makeTempDir('backup-restore-');
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  postgres = await startPrivatePostgres();
  await adminQuery('CREATE DATABASE apim');
  ports = { km: await freePort(), dp: await freePort() };
  // One deployment.toml for both systems, as the procedure restores it: the database at the same address.
  const config = await writeTestConfig(tmp.dir, 'key-manager', {
    server: { host: '127.0.0.1', port: ports.km, public_url: `http://127.0.0.1:${ports.km}` },
    'key_manager.management': { port: await freePort() },
    'devportal.management': { port: await freePort() },
    database: { url: `postgres://postgres@127.0.0.1:${postgres.port}/apim`, pool_size: 4 },
    'transport.nats': { servers: [nats.url] },
    'keystore.primary': { file_name: keystore.file, type: keystore.type, password: keystore.password, alias: keystore.alias },
    'apim.oauth_config': { enable_token_encryption: true },
    super_admin: { ...TEST_ADMIN },
    'oauth.token_cleanup': { enable: false },
    log: { level: 'warn' },
    'devportal.server': { host: '127.0.0.1', port: ports.dp, public_url: `http://127.0.0.1:${ports.dp}` },
  });
  configFile = config.file;
});

afterAll(async () => {
  for (const service of running) await service.stop('SIGKILL');
  await postgres?.destroy();
  await nats?.stop();
  await tmp?.remove();
  if (timings.length > 0) console.log(`backup and restore:\n  ${timings.join('\n  ')}`);
});

describe('backup and restore (docs/operations.md): pg_dump of both schemas, the keystore and deployment.toml', () => {
  it('issues tokens and consumer secrets on the first system', async () => {
    const { km } = await startServices();
    const oauth = await keyManagerOAuth(km.baseUrl);
    const api = `http://127.0.0.1:${ports.dp}${DEVPORTAL_API}`;
    const call = devportalApi(api);
    const portalToken = await signUpAndLogIn(api, issued.user.username, issued.user.password);
    for (const name of ['Orders', 'Billing']) {
      const app = await call<{ applicationId: string }>('POST', '/applications', { token: portalToken, json: { name, throttlingPolicy: 'Unlimited' } });
      expect(app.status).toBe(201);
      issued.applications.push(name);
      const keys = await call<{ keyMappingId: string; consumerKey: string; consumerSecret: string; token: { accessToken: string } }>('POST', `/applications/${app.body.applicationId}/generate-keys`, {
        token: portalToken,
        json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password', 'refresh_token'], validityTime: 3600 },
      });
      expect(keys.status).toBe(200);
      issued.clients.push({ clientId: keys.body.consumerKey, clientSecret: keys.body.consumerSecret, label: `${name}'s own secret` });
      issued.accessTokens.push(keys.body.token.accessToken);
      // A second consumer secret of the key (the Key Manager stores it), as WSO2 API-M 4.7 allows.
      const added = await call<{ secretValue: string }>('POST', `/applications/${app.body.applicationId}/oauth-keys/${keys.body.keyMappingId}/generate-secret`, {
        token: portalToken,
        json: { additionalProperties: { description: 'rotation' } },
      });
      expect(added.status).toBe(201);
      issued.clients.push({ clientId: keys.body.consumerKey, clientSecret: added.body.secretValue, label: `${name}'s added secret` });
      const userToken = await oauth.password(keys.body.consumerKey, keys.body.consumerSecret, issued.user.username, issued.user.password);
      issued.accessTokens.push(userToken.access_token, (await oauth.clientCredentials(keys.body.consumerKey, added.body.secretValue)).access_token);
      issued.refreshTokens.push({ clientId: keys.body.consumerKey, clientSecret: keys.body.consumerSecret, token: userToken.refresh_token! });
    }
    resourceServer = await oauth.registerClient(TEST_ADMIN, { client_name: 'gateway', grant_types: ['client_credentials'], ext_resource_server: true });
    issued.clients.push({ ...resourceServer, label: 'a DCR client' });
    for (const token of issued.accessTokens) expect((await oauth.introspect(resourceServer, token)).active).toBe(true);
    expect(issued.accessTokens).toHaveLength(6);
  });

  it('dumps both schemas with the services stopped, and restores them into a fresh, empty database server', async () => {
    await stopServices();
    const dump = path.join(tmp.dir, 'apim.dump');
    // The procedure's command: both schemas, custom format (compressed; pg_restore picks what to restore).
    timed('pg_dump (both schemas, custom format)', 'pg_dump', ['-d', 'apim', '--format=custom', '--schema=key_manager', '--schema=devportal', `--file=${dump}`]);
    // Stored secrets in the dump are ciphertext: the dump alone gives no token away.
    const plain = execFileSync(pgBinary('pg_restore'), ['--file=-', dump]).toString('utf8');
    for (const { clientSecret } of issued.clients) expect(plain).not.toContain(clientSecret);
    for (const token of issued.accessTokens) expect(plain).not.toContain(token);
    timings.push(`dump size: ${(readFileSync(dump).length / 1024).toFixed(0)} KiB`);

    // The old server is gone; a new one on the same address (deployment.toml unchanged), empty.
    const port = postgres!.port;
    await postgres!.destroy();
    postgres = await startPrivatePostgres({ port });
    await adminQuery('CREATE DATABASE apim');
    timed('pg_restore into the empty database', 'pg_restore', ['-d', 'apim', '--exit-on-error', '--single-transaction', dump]);
  });

  it('refuses to start with another keystore (the keystore was not restored): exit 78 and the stored-secrets check', async () => {
    const kept = path.join(tmp.dir, 'primary.p12.kept');
    copyFileSync(keystore.file, kept);
    // What keystore-init does on an empty keystore volume: a new key under the same name and password.
    const other = await createTestKeystore(path.join(tmp.dir), 'new-primary.p12');
    copyFileSync(other.file, keystore.file);
    try {
      const started = Date.now();
      const run = await runBuiltServiceToExit({ service: 'key-manager', dir: tmp.dir, configFile });
      timings.push(`refused start with another keystore: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(run.code).toBe(78);
      expect(run.lines[0]).toBe('key-manager cannot start: Refusing to start: some stored secrets are under a key this node does not hold.');
      expect(run.lines.slice(1).join('\n')).toMatch(/table oauth_tokens, column access_token: \d+ value\(s\) stored under key id [0-9A-F]{40}/);
      for (const { clientSecret } of issued.clients) expect(run.log).not.toContain(clientSecret);
    } finally {
      copyFileSync(kept, keystore.file);
    }
  });

  it('finds every token still active and every consumer secret still usable on the restored system', async () => {
    const { km } = await startServices();
    const oauth = await keyManagerOAuth(km.baseUrl);
    for (const token of issued.accessTokens) expect((await oauth.introspect(resourceServer, token)).active).toBe(true);
    for (const client of issued.clients) {
      const tokens = await oauth.clientCredentials(client.clientId, client.clientSecret).catch((error: Error) => {
        throw new Error(`${client.label}: ${error.message}`);
      });
      expect((await oauth.introspect(resourceServer, tokens.access_token)).active).toBe(true);
    }
    for (const refresh of issued.refreshTokens) {
      expect((await oauth.refresh(refresh.clientId, refresh.clientSecret, refresh.token)).access_token).toEqual(expect.any(String));
    }
    // The portal's schema came back too: the developer logs in and finds both applications.
    const api = `http://127.0.0.1:${ports.dp}${DEVPORTAL_API}`;
    const login = await devportalApi(api)<{ access_token: string }>('POST', '/login', { json: issued.user });
    expect(login.status).toBe(200);
    const list = await devportalApi(api)<{ list: Array<{ name: string }> }>('GET', '/applications', { token: login.body.access_token });
    expect(list.body.list.map((a) => a.name).sort()).toEqual([...issued.applications].sort());
  });
});
