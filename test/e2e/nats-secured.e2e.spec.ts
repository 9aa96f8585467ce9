// The Compose deployment's NATS configuration (deploy/nats/nats-server.conf: TLS, a user per service, per-user
// subject permissions) run by a local nats-server, with a real Key Manager and portal connected as the
// Compose file connects them ([transport.nats] user, password and tls_ca_file). The stack test does the same
// in containers; this runs in the Jest suite.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSelfSignedTlsCertificate } from '@app/crypto';
import { runBuiltServiceToExit } from '../deploy/support/local-process.js';
import { freePort } from '../support/free-port.js';
import { TEST_ADMIN } from '../support/key-manager.harness.js';
import { dropSchema, TEST_DATABASE_URL } from '../support/test-database.js';
import { devportalApi, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, REPO_ROOT, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(90_000);

// Hex as deploy/init-secrets.sh makes them; 0e5… is what nats-server would read as a number unless quoted.
const PASSWORDS = { KEY_MANAGER_NATS_PASSWORD: '0e5f12ab34cd56ef', DEVPORTAL_NATS_PASSWORD: '7c1e0a9b8d2f4e63', CLI_NATS_PASSWORD: '55d0aa17c3e9b204' };

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;
let caFile: string;
let stack: StackUnderTest;

/** The tables docker-compose.yml's deployment.toml sets for NATS, with this test's server and files. */
function natsTables(overrides: Record<string, unknown> = {}) {
  return {
    'transport.nats': { user: 'cli', password: PASSWORDS.CLI_NATS_PASSWORD, tls_ca_file: caFile, ...overrides },
    'key_manager.transport.nats': { user: 'key-manager', password: PASSWORDS.KEY_MANAGER_NATS_PASSWORD },
    'devportal.transport.nats': { user: 'devportal', password: PASSWORDS.DEVPORTAL_NATS_PASSWORD },
  };
}

async function connectAs(user?: string, pass?: string, tls = true): Promise<NatsConnection> {
  return connect({ servers: nats.url.replace(/^tls:/, 'nats:'), ...(user ? { user, pass: pass ?? '' } : {}), ...(tls ? { tls: { caFile } } : {}), reconnect: false });
}

beforeAll(async () => {
  tmp = await makeTempDir('nats-secured-');
  keystore = await createTestKeystore(tmp.dir);
  const certificate = await createSelfSignedTlsCertificate({ hosts: ['localhost', '127.0.0.1'], validityDays: 2 });
  const serverPem = path.join(tmp.dir, 'nats.pem');
  caFile = path.join(tmp.dir, 'nats-ca.pem');
  writeFileSync(serverPem, certificate.certificatePem + certificate.privateKeyPem, { mode: 0o600 });
  writeFileSync(caFile, certificate.certificatePem);
  // The deployment's file as it is, except where the certificate lives.
  const config = readFileSync(path.join(REPO_ROOT, 'deploy/nats/nats-server.conf'), 'utf8');
  expect(config).toContain('"/etc/nats-tls/nats.pem"');
  const configFile = path.join(tmp.dir, 'nats-server.conf');
  writeFileSync(configFile, config.replaceAll('/etc/nats-tls/nats.pem', serverPem));
  // As docker-compose.yml hands them to nats-server: each in double quotes.
  const quoted = Object.fromEntries(Object.entries(PASSWORDS).map(([name, value]) => [name, `"${value}"`]));
  nats = await startPrivateNats({ configFile, env: quoted, scheme: 'tls' });
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, toml: natsTables() });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

describe('NATS as the Compose deployment runs it: TLS, a user per service, per-user subjects', () => {
  it('carries the portal story between the services logged in as their own users', async () => {
    const call = devportalApi(stack.devportal.apiUrl);
    const user = { username: `nats-${Date.now().toString(36)}`, password: 'Secured nats bus 42 ok' };
    expect((await call('POST', '/signup', { json: user })).status).toBe(201);
    const login = await call<{ access_token: string }>('POST', '/login', { json: user });
    expect(login.status).toBe(200);
    const app = await call<{ applicationId: string }>('POST', '/applications', { token: login.body.access_token, json: { name: 'nats-secured', throttlingPolicy: 'Unlimited' } });
    expect(app.status).toBe(201);
  });

  it('refuses clients without TLS, without a login, with a wrong password, or with another service\'s user name', async () => {
    await expect(connectAs('devportal', PASSWORDS.DEVPORTAL_NATS_PASSWORD, false)).rejects.toThrow();
    for (const [user, pass] of [[undefined, undefined], ['devportal', 'wrong'], ['key-manager', PASSWORDS.DEVPORTAL_NATS_PASSWORD]] as const) {
      await expect(connectAs(user, pass)).rejects.toThrow(/Authorization Violation/);
    }
  });

  it("lets the portal's user call the Key Manager and announce changed keys, but neither answer in its place, start a rollout nor end sessions", async () => {
    const nc = await connectAs('devportal', PASSWORDS.DEVPORTAL_NATS_PASSWORD);
    const violations: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') violations.push(String((s as { error?: Error }).error?.message));
    })();
    try {
      nc.subscribe('km.>', { queue: 'key-manager' });
      nc.publish('te.control.prepare', '{}');
      // The one broadcast portals send each other; the Key Manager's are its own.
      nc.publish('te.events.application-keys-changed', '{"applicationIds":[]}');
      nc.publish('te.events.portal-sessions-ended', '{"usernames":[]}');
      await nc.flush().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await nc.close();
    }
    expect(violations.sort()).toEqual([
      'Permissions Violation for Publish to "te.control.prepare"',
      'Permissions Violation for Publish to "te.events.portal-sessions-ended"',
      expect.stringMatching(/^Permissions Violation for Subscription to "km\.>"/),
    ]);
  });

  it('does not start a service that does not trust the server\'s certificate: one line naming the server', async () => {
    const other = await createSelfSignedTlsCertificate({ hosts: ['localhost'], validityDays: 2 });
    const untrusted = path.join(tmp.dir, 'untrusted-ca.pem');
    writeFileSync(untrusted, other.certificatePem);
    const schema = `nats_secured_${Date.now().toString(36)}`;
    try {
      const { code, lines, log } = await runBuiltServiceToExit({
        service: 'key-manager',
        dir: tmp.dir,
        name: 'untrusted',
        tables: {
          server: { host: '127.0.0.1', port: await freePort() },
          management: { host: '127.0.0.1', port: await freePort() },
          database: { url: TEST_DATABASE_URL, schema },
          ...natsTables({ servers: [nats.url], tls_ca_file: untrusted }),
          'keystore.primary': { file_name: keystore.file, type: keystore.type, password: keystore.password, alias: keystore.alias },
          super_admin: { ...TEST_ADMIN },
        },
      });
      expect(code).toBe(1);
      expect(lines).toEqual([expect.stringMatching(/^key-manager cannot start: cannot reach NATS at tls:\/\/127\.0\.0\.1:\d+ \(\[transport\.nats\] servers\): .*self.signed.* \[NATS_UNREACHABLE\]$/)]);
      expect(log).not.toContain(PASSWORDS.KEY_MANAGER_NATS_PASSWORD);
    } finally {
      await dropSchema(schema).catch(() => undefined);
    }
  });
});
