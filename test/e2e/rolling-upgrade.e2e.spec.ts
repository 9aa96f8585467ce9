// Issue 14 §3: a rolling upgrade of the Key Manager. The previous version (built from this repository's
// history, test/support/previous-release.ts) and today's run side by side against one schema: the old one
// creates it, today's migrates it at start (expand only), and the old one keeps issuing and introspecting
// against the migrated schema while both accept each other's tokens — what a rolling update of the
// replicas goes through. Real PostgreSQL and NATS, each Key Manager its own process.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import path from 'node:path';
import { freePort } from '../support/free-port.js';
import { TEST_ADMIN } from '../support/key-manager.harness.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../support/oauth-client.js';
import { buildPreviousKeyManager, changedDependencies } from '../support/previous-release.js';
import { serviceProcess, type ServiceProcess } from '../support/service-process.js';
import { makeTempDir, writeTestConfig, type TestConfigDir } from '../support/test-config.js';
import { dropSchema, queryTestDatabase, TEST_DATABASE_URL, uniqueSchema } from '../support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(180_000);

/**
 * The previous version: the last commit before the newest Key Manager migrations (token selectors, and the
 * hash indexes narrowed to rows without one). Move it forward when a release adds a migration, so that the
 * newest one is the one tested.
 */
const PREVIOUS = '0965faac01e8db5fceaeae3da3d44dececcf9c19';

let tmp: TestConfigDir;
let keystore: TestKeystore;
let oldKm: ServiceProcess;
let newKm: ServiceProcess;
const schema = uniqueSchema('upgrade_km');

const migrations = async () => (await queryTestDatabase<{ name: string }>('SELECT name FROM migrations ORDER BY id', [], schema)).map((r) => r.name);

beforeAll(async () => {
  tmp = await makeTempDir('rolling-upgrade-');
  keystore = await createTestKeystore(tmp.dir);
  const mainJs = buildPreviousKeyManager(PREVIOUS, path.join(tmp.dir, 'previous'));
  const [oldPort, newPort, oldManagement, newManagement] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // One deployment: the same issuer (its load balancer's URL), keystore, database and bus for both versions.
  const shared = {
    database: { url: TEST_DATABASE_URL, schema, pool_size: 4 },
    'transport.nats': { servers: ['nats://127.0.0.1:4222'], subject_prefix: `upgrade${process.pid}x${oldPort}` },
    'keystore.primary': { file_name: keystore.file, type: keystore.type, password: keystore.password, alias: keystore.alias },
    'apim.oauth_config': { enable_token_encryption: true },
    super_admin: { ...TEST_ADMIN },
    oauth: { issuer: `http://127.0.0.1:${oldPort}` },
    'oauth.token_cleanup': { enable: false },
    log: { level: 'warn' },
  };
  const oldConfig = await writeTestConfig(tmp.dir, 'key-manager', { ...shared, server: { host: '127.0.0.1', port: oldPort }, management: { port: oldManagement } }, 'old.toml');
  const newConfig = await writeTestConfig(tmp.dir, 'key-manager', { ...shared, server: { host: '127.0.0.1', port: newPort }, management: { port: newManagement } }, 'new.toml');
  oldKm = serviceProcess({ service: 'key-manager', name: 'key-manager-old', configFile: oldConfig.file, baseUrl: `http://127.0.0.1:${oldPort}`, logDir: tmp.dir, entry: mainJs });
  newKm = serviceProcess({ service: 'key-manager', name: 'key-manager-new', configFile: newConfig.file, baseUrl: `http://127.0.0.1:${newPort}`, logDir: tmp.dir });
});

afterAll(async () => {
  await oldKm?.stop('SIGKILL');
  await newKm?.stop('SIGKILL');
  await dropSchema(schema);
  await tmp?.remove();
});

describe('rolling upgrade of the Key Manager: the previous version beside this one on one schema', () => {
  let old: KeyManagerOAuth;
  let current: KeyManagerOAuth;
  let app: { clientId: string; clientSecret: string };
  let resourceServer: { clientId: string; clientSecret: string };
  let before: string;
  let oldSchema: string[];

  it('runs the previous version on the dependencies installed today', () => {
    expect(changedDependencies(PREVIOUS)).toEqual([]);
  });

  it('starts the previous version alone: it creates the schema as it knew it, and serves', async () => {
    await oldKm.start();
    oldSchema = await migrations();
    old = await keyManagerOAuth(oldKm.baseUrl);
    app = await old.registerClient(TEST_ADMIN, { client_name: 'upgrade-app', grant_types: ['client_credentials'] });
    resourceServer = await old.registerClient(TEST_ADMIN, { client_name: 'upgrade-rs', grant_types: ['client_credentials'], ext_resource_server: true });
    before = (await old.clientCredentials(app.clientId, app.clientSecret)).access_token;
    expect((await old.introspect(resourceServer, before)).active).toBe(true);
  });

  it('starts this version beside it: it migrates the schema (adding what the previous one lacked)', async () => {
    await newKm.start();
    const now = await migrations();
    expect(now.slice(0, oldSchema.length)).toEqual(oldSchema);
    expect(now.length).toBeGreaterThan(oldSchema.length);
    current = await keyManagerOAuth(newKm.baseUrl, { issuer: oldKm.baseUrl });
  });

  it('keeps the previous version issuing and introspecting against the migrated schema', async () => {
    const token = (await old.clientCredentials(app.clientId, app.clientSecret)).access_token;
    expect((await old.introspect(resourceServer, token)).active).toBe(true);
    expect((await old.introspect(resourceServer, before)).active).toBe(true);
    // A client registered by the previous version after the migration.
    const late = await old.registerClient(TEST_ADMIN, { client_name: 'upgrade-late', grant_types: ['client_credentials'] });
    expect((await current.introspect(resourceServer, (await old.clientCredentials(late.clientId, late.clientSecret)).access_token)).active).toBe(true);
  });

  it('has each version accept the tokens and clients of the other', async () => {
    const fromOld = (await old.clientCredentials(app.clientId, app.clientSecret)).access_token;
    const fromNew = (await current.clientCredentials(app.clientId, app.clientSecret)).access_token;
    expect((await current.introspect(resourceServer, fromOld)).active).toBe(true);
    expect((await current.introspect(resourceServer, before)).active).toBe(true);
    expect((await old.introspect(resourceServer, fromNew)).active).toBe(true);
    const registeredByNew = await current.registerClient(TEST_ADMIN, { client_name: 'upgrade-new', grant_types: ['client_credentials'] });
    const token = (await old.clientCredentials(registeredByNew.clientId, registeredByNew.clientSecret)).access_token;
    expect((await current.introspect(resourceServer, token)).active).toBe(true);
    // A revocation on one is seen by the other.
    await old.revoke(app.clientId, app.clientSecret, fromNew);
    expect((await current.introspect(resourceServer, fromNew)).active).toBe(false);
  });

  it('ends the upgrade: the previous version stops cleanly and this one serves on', async () => {
    expect(await oldKm.stop('SIGTERM')).toBe(0);
    const token = (await current.clientCredentials(app.clientId, app.clientSecret)).access_token;
    expect((await current.introspect(resourceServer, token)).active).toBe(true);
  });
});
