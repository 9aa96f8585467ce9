// The authentication throttle against the real stack: the Key Manager and the portal on a private NATS,
// the local PostgreSQL, real HTTP. Both services trust X-Forwarded-For here, so the test can act as several
// addresses. The throttle's limits are the product defaults (5 per account and address, 20 per account,
// 10 accounts per address, locks from 30 s doubling to 15 min).
import { afterAll, beforeAll, describe, expect, test, jest } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { KeyManagerPatterns, RpcErrorCodes } from '@app/contracts';
import { MetricsRegistry } from '@app/platform';
import { createKeyManagerClientForTest } from '../../../test/support/key-manager-client.js';
import { devportalApi, startStackForTest, type StackUnderTest } from '../../../test/support/devportal.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { captureLogs, type LogCapture } from '../../../test/support/log-capture.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase } from '../../../test/support/test-database.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';
import { adminAuth, basic, postForm, register, type RegisteredClient } from './km-test.helpers.js';

jest.setTimeout(120_000);

const THROTTLE = {
  enable: true,
  window: 900,
  account_address_max_failures: 5,
  account_max_failures: 20,
  address_max_accounts: 10,
  lock: 30,
  max_lock: 900,
};

const VICTIM = { username: 'victim', password: 'victim has a long password 1' };
const OTHER = { username: 'other-user', password: 'other user long password 2' };
const WRONG_PASSWORDS = Array.from({ length: 40 }, (_, i) => `wrong password number ${i} x`);

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;
let km: KeyManagerUnderTest;
let second: KeyManagerUnderTest;
let portal: ReturnType<typeof devportalApi>;
let passwordClient: RegisteredClient & { client_secret: string };
const logs: { keyManager: LogCapture; devportal: LogCapture; second: LogCapture } = { keyManager: captureLogs(), devportal: captureLogs(), second: captureLogs() };
const secretsUsed = new Set<string>([VICTIM.password, OTHER.password, ...WRONG_PASSWORDS]);

interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { html: text };
  }
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

async function portalLogin(username: string, password: string, from: string): Promise<Answer> {
  const response = await portal<Record<string, unknown>>('POST', '/login', { json: { username, password }, headers: { 'x-forwarded-for': from } });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: response.body };
}

async function passwordGrant(target: KeyManagerUnderTest, username: string, password: string, from: string): Promise<Answer> {
  const form = new URLSearchParams({ grant_type: 'password', username, password });
  return answer(await postForm(`${target.baseUrl}/oauth2/token`, form.toString(), { authorization: basic(passwordClient.client_id, passwordClient.client_secret), 'x-forwarded-for': from }));
}

async function clientCredentials(target: KeyManagerUnderTest, clientId: string, secret: string, from: string): Promise<Answer> {
  return answer(await postForm(`${target.baseUrl}/oauth2/token`, 'grant_type=client_credentials', { authorization: basic(clientId, secret), 'x-forwarded-for': from }));
}

async function newClient(grantTypes = ['client_credentials'], metadata: Record<string, unknown> = {}): Promise<RegisteredClient & { client_secret: string }> {
  const client = (await register(km, { grant_types: grantTypes, ...metadata })) as RegisteredClient & { client_secret: string };
  secretsUsed.add(client.client_secret);
  return client;
}

function expectThrottled(a: Answer): void {
  expect(a.status).toBe(429);
  const seconds = Number(a.retryAfter);
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(THROTTLE.max_lock);
}

beforeAll(async () => {
  tmp = await makeTempDir('auth-throttle-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({
    dir: tmp.dir,
    keystore,
    encryption: 'rsa-oaep',
    nats: nats.url,
    toml: { 'oauth.auth_throttle': THROTTLE, server: { trust_proxy: true } },
    logs: { keyManager: logs.keyManager, devportal: logs.devportal },
  });
  km = stack.keyManager;
  // A second Key Manager instance on the same schema: the counters are shared through PostgreSQL.
  second = await startKeyManagerForTest({
    dir: tmp.dir,
    keystore,
    encryption: 'rsa-oaep',
    nats: 'in-process',
    schema: km.schema,
    configName: 'second.toml',
    toml: { 'oauth.auth_throttle': THROTTLE, server: { trust_proxy: true } },
    logs: logs.second,
    logLevel: 'info',
  });
  portal = devportalApi(stack.devportal.apiUrl);
  for (const user of [VICTIM, OTHER]) expect((await portal('POST', '/signup', { json: user })).status).toBe(201);
  passwordClient = await newClient(['password', 'client_credentials']);
  secretsUsed.add(km.admin.password);
});

afterAll(async () => {
  await second?.stop({ keepSchema: true });
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

describe('one throttle for every password check', () => {
  test('11 wrong portal log-ins, then the password grant from the same address: 429 even for the right password; the owner elsewhere is not locked out', async () => {
    const attacker = '203.0.113.5';
    const portalAnswers = [];
    for (let i = 0; i < 11; i++) portalAnswers.push(await portalLogin(VICTIM.username, WRONG_PASSWORDS[i]!, attacker));
    expect(portalAnswers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    for (const a of portalAnswers.slice(5)) {
      expectThrottled(a);
      // WSO2's ErrorDTO, as every other portal error.
      expect(a.body).toMatchObject({ code: 429, message: 'Too Many Requests', description: expect.stringMatching(/too many failed authentication attempts/) });
    }

    // The same guesser moves to the password grant: held, whatever the password — on both instances.
    const guesses = await Promise.all(WRONG_PASSWORDS.slice(11, 27).map((p, i) => passwordGrant(i % 2 ? second : km, VICTIM.username, p, attacker)));
    for (const g of guesses) {
      expectThrottled(g);
      expect(g.body).toMatchObject({ error: 'invalid_grant' });
    }
    expectThrottled(await passwordGrant(km, VICTIM.username, VICTIM.password, attacker));
    expectThrottled(await passwordGrant(second, 'VICTIM', VICTIM.password, attacker));

    // The sign-in form at /oauth2/authorize holds it too, with Retry-After on the page.
    const authorizeClient = await newClient(['authorization_code'], { redirect_uris: ['https://app.example.com/cb'] });
    const form = new URLSearchParams({ response_type: 'code', client_id: authorizeClient.client_id, redirect_uri: 'https://app.example.com/cb', username: VICTIM.username, password: VICTIM.password });
    const page = await answer(await postForm(`${km.baseUrl}/oauth2/authorize`, form.toString(), { 'x-forwarded-for': attacker }));
    expectThrottled(page);
    expect(String(page.body['html'])).toContain('Too many failed attempts');

    // The owner, from their own address, gets in everywhere.
    expect((await portalLogin(VICTIM.username, VICTIM.password, '198.51.100.1')).status).toBe(200);
    expect((await passwordGrant(km, VICTIM.username, VICTIM.password, '198.51.100.1')).status).toBe(200);
    expect((await passwordGrant(second, VICTIM.username, VICTIM.password, '198.51.100.2')).status).toBe(200);
  });

  test('the lock ends, and the next failure locks for twice as long (progressive, never permanent)', async () => {
    const from = '203.0.113.6';
    for (let i = 0; i < 5; i++) expect((await passwordGrant(km, OTHER.username, WRONG_PASSWORDS[i]!, from)).status).toBe(400);
    const first = await passwordGrant(km, OTHER.username, OTHER.password, from);
    expectThrottled(first);
    expect(Number(first.retryAfter)).toBeGreaterThan(THROTTLE.lock - 10);
    expect(Number(first.retryAfter)).toBeLessThanOrEqual(THROTTLE.lock);
    // Let the lock run out (rather than wait 30 s).
    await queryTestDatabase(`UPDATE auth_failures SET locked_until = now() - interval '1 second' WHERE key = $1`, [`user:${OTHER.username}|ip:${from}`], km.schema);
    expect((await passwordGrant(second, OTHER.username, WRONG_PASSWORDS[5]!, from)).status).toBe(400);
    const doubled = await passwordGrant(km, OTHER.username, OTHER.password, from);
    expectThrottled(doubled);
    expect(Number(doubled.retryAfter)).toBeGreaterThan(2 * THROTTLE.lock - 10);
    expect(Number(doubled.retryAfter)).toBeLessThanOrEqual(2 * THROTTLE.lock);
    // Over again, and the right password gets in: a success forgets the account's counter at that address.
    await queryTestDatabase(`UPDATE auth_failures SET locked_until = now() - interval '1 second' WHERE key = $1`, [`user:${OTHER.username}|ip:${from}`], km.schema);
    expect((await passwordGrant(km, OTHER.username, OTHER.password, from)).status).toBe(200);
    const rows = await queryTestDatabase<{ key: string }>(`SELECT key FROM auth_failures WHERE key = $1`, [`user:${OTHER.username}|ip:${from}`], km.schema);
    expect(rows).toEqual([]);
  });

  test('password spraying: 15 user names from one address are stopped after 10; other addresses are not', async () => {
    const sprayer = '203.0.113.20';
    const names = Array.from({ length: 15 }, (_, i) => (i === 7 ? OTHER.username : `spray-target-${i}`));
    const answers = [];
    for (const name of names) answers.push(await portalLogin(name, 'Winter2026!', sprayer));
    expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(401));
    for (const a of answers.slice(10)) expectThrottled(a);
    // The address is held for every account, the right password included, at every entrance...
    expectThrottled(await portalLogin(VICTIM.username, VICTIM.password, sprayer));
    expectThrottled(await passwordGrant(second, VICTIM.username, VICTIM.password, sprayer));
    // ...and nowhere else.
    expect((await portalLogin(VICTIM.username, VICTIM.password, '198.51.100.3')).status).toBe(200);
  });
});

describe('the bus', () => {
  test('copies of one log-in (a retry, a hedge) are one attempt: the failure is counted once, and the refusal answered alike', async () => {
    const portalClient = await createKeyManagerClientForTest(km.config);
    const nc = await connect({ servers: nats.url });
    try {
      const key = randomUUID();
      const request = { username: OTHER.username, password: WRONG_PASSWORDS[30]!, sourceAddress: '203.0.113.77' };
      const send = async () => {
        const body = { id: randomUUID(), pattern: KeyManagerPatterns.UserAuthenticate, data: { sender: portalClient.client.self(), requestId: randomUUID(), idempotencyKey: key, data: request } };
        return (await nc.request(KeyManagerPatterns.UserAuthenticate, JSON.stringify(body), { timeout: 10_000 })).json<{ err?: { code: string } }>();
      };
      const copies = await Promise.all([send(), send(), send()]);
      for (const copy of copies) expect(copy.err).toMatchObject({ code: RpcErrorCodes.InvalidCredentials });
      expect((await send()).err).toMatchObject({ code: RpcErrorCodes.InvalidCredentials });
      const [pair] = await queryTestDatabase<{ failures: number }>(`SELECT failures FROM auth_failures WHERE key = $1`, [`user:${OTHER.username}|ip:203.0.113.77`], km.schema);
      expect(pair?.failures).toBe(1);
    } finally {
      await nc.close();
      await portalClient.close();
    }
  });
});

describe('client authentication', () => {
  test('one broken client behind an address does not hold other clients, or the super admin, behind it', async () => {
    const nat = '192.0.2.1';
    const broken = await newClient();
    const healthy = await newClient();
    const another = await newClient();
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await clientCredentials(i % 2 ? second : km, broken.client_id, 'an old secret', nat));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    for (const a of answers.slice(5)) {
      expectThrottled(a);
      expect(a.body).toMatchObject({ error: 'invalid_client' });
    }
    // Its own right secret is held at that address only (the count stopped at the lock: 5 of 20 for the account).
    expectThrottled(await clientCredentials(km, broken.client_id, broken.client_secret, nat));
    expect((await clientCredentials(km, broken.client_id, broken.client_secret, '192.0.2.2')).status).toBe(200);
    for (const client of [healthy, another]) {
      expect((await clientCredentials(km, client.client_id, client.client_secret, nat)).status).toBe(200);
      expect((await clientCredentials(second, client.client_id, client.client_secret, nat)).status).toBe(200);
    }
    const introspect = await postForm(`${km.baseUrl}/oauth2/introspect`, 'token=unknown', { authorization: adminAuth(km), 'x-forwarded-for': nat });
    expect(introspect.status).toBe(200);
  });

  test('two instances share the counters: failures at either add up, and a lock set by one holds at the other', async () => {
    const from = '192.0.2.30';
    const client = await newClient();
    for (let i = 0; i < 5; i++) expect((await clientCredentials(i < 3 ? km : second, client.client_id, `wrong-${i}`, from)).status).toBe(401);
    expectThrottled(await clientCredentials(km, client.client_id, client.client_secret, from));
    expectThrottled(await clientCredentials(second, client.client_id, client.client_secret, from));
    const [row] = await queryTestDatabase<{ failures: number }>(`SELECT failures FROM auth_failures WHERE key = $1`, [`client:${client.client_id}|ip:${from}`], km.schema);
    expect(row?.failures).toBe(5);
  });

  test('a guesser spread over many addresses is held by the per-account limit', async () => {
    const client = await newClient();
    for (let i = 0; i < 20; i++) expect((await clientCredentials(i % 2 ? second : km, client.client_id, `guess-${i}`, `100.64.0.${i + 1}`)).status).toBe(401);
    expectThrottled(await clientCredentials(km, client.client_id, client.client_secret, '100.64.1.1'));
  });

  test('the DCR API holds a guessed super admin password, with access_denied', async () => {
    const from = '192.0.2.40';
    const attempt = () =>
      fetch(`${km.baseUrl}/keymanager-operations/dcr/register/unknown`, { headers: { authorization: basic(km.admin.username, 'not the password'), 'x-forwarded-for': from } }).then(answer);
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
    const held = await attempt();
    expectThrottled(held);
    expect(held.body).toMatchObject({ error: 'access_denied' });
  });
});

describe('map-keys (the portal proves a consumer secret through client authentication)', () => {
  test('wrong secrets end in the portal\'s 429 with Retry-After and WSO2\'s ErrorDTO; the right secret from the same user is held too until the lock ends', async () => {
    const from = '198.51.100.40';
    const mapper = { username: 'map-keys-user', password: 'map keys user long password 3' };
    secretsUsed.add(mapper.password);
    expect((await portal('POST', '/signup', { json: mapper })).status).toBe(201);
    const login = await portal<{ access_token: string }>('POST', '/login', { json: mapper, headers: { 'x-forwarded-for': from } });
    expect(login.status).toBe(200);
    const token = login.body.access_token;
    const application = await portal<{ applicationId: string }>('POST', '/applications', { token, json: { name: 'map-keys-throttled' }, headers: { 'x-forwarded-for': from } });
    expect(application.status).toBe(201);
    const client = await newClient();
    const mapKeys = async (consumerSecret: string): Promise<Answer> => {
      const response = await portal<Record<string, unknown>>('POST', `/applications/${application.body.applicationId}/map-keys`, {
        token,
        json: { consumerKey: client.client_id, consumerSecret, keyType: 'PRODUCTION', keyManager: 'Resident Key Manager' },
        headers: { 'x-forwarded-for': from },
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: response.body };
    };
    const wrong = Array.from({ length: 7 }, (_, i) => `a wrong consumer secret ${i} ${randomUUID()}`);
    for (const secret of wrong) secretsUsed.add(secret);

    const answers = [];
    for (const secret of wrong) answers.push(await mapKeys(secret));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([400, 400, 400, 400, 400]);
    for (const a of answers.slice(0, 5)) expect(a.body).toMatchObject({ code: 400, description: `The secret key is wrong for the given consumer key ${client.client_id}` });
    for (const a of answers.slice(5)) {
      expectThrottled(a);
      expect(Number(a.retryAfter)).toBeLessThanOrEqual(THROTTLE.lock);
      expect(a.body).toMatchObject({ code: 429, message: 'Too Many Requests', description: expect.stringMatching(/too many failed authentication attempts/) });
    }
    // The right secret, from the same user and address, is not even checked while the lock holds.
    const held = await mapKeys(client.client_secret);
    expectThrottled(held);
    expect(held.body).toMatchObject({ code: 429, message: 'Too Many Requests' });
    expect((await portal<{ count: number }>('GET', `/applications/${application.body.applicationId}/oauth-keys`, { token })).body.count).toBe(0);

    // Once the lock ends (run out here rather than waited for), the right secret maps the client.
    const lockKey = `client:${client.client_id}|ip:${from}`;
    expect(await queryTestDatabase(`UPDATE auth_failures SET locked_until = now() - interval '1 second' WHERE key = $1 RETURNING key`, [lockKey], km.schema)).toHaveLength(1);
    const mapped = await mapKeys(client.client_secret);
    expect(mapped.status).toBe(200);
    expect(mapped.body).toMatchObject({ consumerKey: client.client_id, keyType: 'PRODUCTION', mode: 'MAPPED' });

    // No secret in any log line of either service.
    const everything = [logs.keyManager.text(), logs.devportal.text(), logs.second.text()].join('\n');
    for (const secret of [...wrong, client.client_secret]) expect(everything).not.toContain(secret);
  });
});

describe('what the throttle shows', () => {
  test('metrics say which limit held which credential', async () => {
    // Each instance counts what it saw; together they saw every case.
    const text = (await Promise.all([km, second].map((k) => k.app.get(MetricsRegistry).registry.metrics()))).join('\n');
    expect(text).toMatch(/key_manager_auth_throttled_total\{credential="user",limit="account_address"[^}]*\} [1-9]/);
    expect(text).toMatch(/key_manager_auth_throttled_total\{credential="user",limit="address"[^}]*\} [1-9]/);
    expect(text).toMatch(/key_manager_auth_throttled_total\{credential="client",limit="account_address"[^}]*\} [1-9]/);
    expect(text).toMatch(/key_manager_auth_locks_total\{credential="client",limit="account"[^}]*\} [1-9]/);
    expect(text).toMatch(/key_manager_auth_failures_total\{credential="user"[^}]*\} [1-9]/);
  });

  test('no password or secret in any log line or stored counter', async () => {
    const everything = [logs.keyManager.text(), logs.devportal.text(), logs.second.text()].join('\n');
    expect(everything.length).toBeGreaterThan(0);
    const keys = (await queryTestDatabase<{ key: string }>(`SELECT key FROM auth_failures`, [], km.schema)).map((r) => r.key).join('\n');
    expect(keys).toContain('ip:203.0.113.20');
    for (const secret of secretsUsed) {
      expect(everything).not.toContain(secret);
      expect(keys).not.toContain(secret);
    }
    expect(everything).not.toContain('Winter2026!');
  });
});
