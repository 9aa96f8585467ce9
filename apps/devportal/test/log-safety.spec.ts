// Secrets never reach a log line: the portal's endpoints are driven with real passwords, tokens and
// consumer secrets (and with malformed requests that carry them), both services log at their most
// verbose, and no secret may appear in either log.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { devportalApi, startStackForTest, type StackUnderTest } from '../../../test/support/devportal.js';
import { captureLogs, type LogCapture } from '../../../test/support/log-capture.js';
import { keyManagerOAuth } from '../../../test/support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase } from '../../../test/support/test-database.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;
const logs: { keyManager: LogCapture; devportal: LogCapture } = { keyManager: captureLogs(), devportal: captureLogs() };

/** A value that cannot appear in a log by accident. */
const marker = (what: string) => `${what}-${randomBytes(9).toString('base64url')}-7`;

beforeAll(async () => {
  tmp = await makeTempDir('devportal-logs-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, devportal: { logLevel: 'trace' }, logs });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

it('logs no password, token or consumer secret, however the endpoints are called', async () => {
  const call = devportalApi(stack.devportal.apiUrl);
  const km = await keyManagerOAuth(stack.keyManager.baseUrl);
  const secrets: Record<string, string> = {};
  const password = (secrets['password'] = marker('Passw0rd'));
  secrets['wrongPassword'] = marker('Wr0ngPass');
  secrets['weakPassword'] = 'weak7';

  expect((await call('POST', '/signup', { json: { username: 'dana', password: secrets['weakPassword'] } })).status).toBe(400);
  expect((await call('POST', '/signup', { json: { username: 'dana', password } })).status).toBe(201);
  expect((await call('POST', '/signup', { json: { username: 'dana', password } })).status).toBe(409);
  expect((await call('POST', '/login', { json: { username: 'dana', password: secrets['wrongPassword'] } })).status).toBe(401);
  const login = await call<{ access_token: string; refresh_token: string }>('POST', '/login', { json: { username: 'dana', password } });
  secrets['firstAccessToken'] = login.body.access_token;
  secrets['refreshToken'] = login.body.refresh_token;
  // Renewing the log-in, then presenting the rotated refresh token again (refused; its chain is revoked, so log in afresh).
  const renewed = await call<{ access_token: string; refresh_token: string }>('POST', '/login/refresh', { json: { refresh_token: secrets['refreshToken'] } });
  expect(renewed.status).toBe(200);
  secrets['renewedAccessToken'] = renewed.body.access_token;
  secrets['renewedRefreshToken'] = renewed.body.refresh_token;
  expect((await call('POST', '/login/refresh', { json: { refresh_token: secrets['refreshToken'] } })).status).toBe(401);
  const again = await call<{ access_token: string; refresh_token: string }>('POST', '/login', { json: { username: 'dana', password } });
  const token = (secrets['accessToken'] = again.body.access_token);
  secrets['lastRefreshToken'] = again.body.refresh_token;

  // Malformed requests that carry secrets: bad JSON, unknown fields, a bogus bearer token, a query string.
  secrets['inBadJson'] = marker('InBadJson');
  expect((await call('POST', '/login', { raw: `{"username":"dana","password":"${secrets['inBadJson']}"`, headers: { 'content-type': 'application/json' } })).status).toBe(400);
  secrets['inUnknownField'] = marker('InUnknownField');
  expect((await call('POST', '/login', { json: { username: 'dana', password, secret: secrets['inUnknownField'] } })).status).toBe(400);
  secrets['bogusBearer'] = marker('BogusBearer');
  expect((await call('GET', '/applications', { token: secrets['bogusBearer'] })).status).toBe(401);
  secrets['inQuery'] = marker('InQuery');
  expect((await call('GET', `/applications?access_token=${secrets['inQuery']}`, { token })).status).toBe(400);
  secrets['inTextBody'] = marker('InTextBody');
  expect((await call('POST', '/login', { raw: secrets['inTextBody'], headers: { 'content-type': 'text/plain' } })).status).toBe(415);

  // The whole key life cycle.
  const app = await call<{ applicationId: string }>('POST', '/applications', { token, json: { name: 'log-safety' } });
  const id = app.body.applicationId;
  const keys = await call<{ keyMappingId: string; consumerKey: string; consumerSecret: string; token: { accessToken: string } }>('POST', `/applications/${id}/generate-keys`, {
    token,
    json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password'] },
  });
  expect(keys.status).toBe(200);
  secrets['consumerSecret'] = keys.body.consumerSecret;
  secrets['firstAppToken'] = keys.body.token.accessToken;
  const [row] = await queryTestDatabase<{ consumer_secret: string }>('SELECT consumer_secret FROM application_keys WHERE id = $1', [keys.body.keyMappingId], stack.devportal.schema);
  secrets['storedCiphertext'] = row!.consumer_secret;
  expect((await call('GET', `/applications/${id}/oauth-keys`, { token })).status).toBe(200);
  const keyPath = `/applications/${id}/oauth-keys/${keys.body.keyMappingId}`;
  expect((await call('POST', `${keyPath}/generate-token`, { token, json: { consumerSecret: marker('WrongSecret') } })).status).toBe(401);
  const generated = await call<{ accessToken: string }>('POST', `${keyPath}/generate-token`, {
    token,
    json: { consumerSecret: keys.body.consumerSecret, revokeToken: keys.body.token.accessToken },
  });
  secrets['generatedToken'] = generated.body.accessToken;
  const regenerated = await call<{ consumerSecret: string }>('POST', `${keyPath}/regenerate-secret`, { token });
  secrets['regeneratedSecret'] = regenerated.body.consumerSecret;
  // A user token of the application's client, refused by the portal.
  secrets['foreignUserToken'] = (await km.password(keys.body.consumerKey, regenerated.body.consumerSecret, 'dana', password)).access_token;
  expect((await call('GET', '/applications', { token: secrets['foreignUserToken'] })).status).toBe(401);
  expect((await call('DELETE', `/applications/${id}`, { token })).status).toBe(200);
  // Log-out by refresh token (in the body), then by bearer token.
  expect((await call('POST', '/logout', { json: { refresh_token: secrets['lastRefreshToken'] } })).status).toBe(204);
  expect((await call('POST', '/logout', { token })).status).toBe(204);
  secrets['logoutMalformed'] = marker('LogoutMalformed');
  expect((await call('POST', '/logout', { json: { refresh_token: secrets['logoutMalformed'], extra: secrets['logoutMalformed'] } })).status).toBe(400);

  const portalLog = logs.devportal.text();
  const keyManagerLog = logs.keyManager.text();
  // The logs are there to look at: requests were logged (so an empty log cannot pass this test).
  expect(portalLog).toContain('/api/am/devportal/v3/applications');
  expect(portalLog).toContain('generated application keys');
  expect(keyManagerLog.length).toBeGreaterThan(0);
  for (const [what, value] of Object.entries(secrets)) {
    expect({ what, inPortalLog: portalLog.includes(value), inKeyManagerLog: keyManagerLog.includes(value) }).toEqual({ what, inPortalLog: false, inKeyManagerLog: false });
  }
});

it('logs a failing statement by class, SQLSTATE and stack, never its parameters or the values PostgreSQL quotes', async () => {
  const call = devportalApi(stack.devportal.apiUrl);
  const password = marker('Passw0rd');
  expect((await call('POST', '/signup', { json: { username: 'erin', password } })).status).toBe(201);
  const token = (await call<{ access_token: string }>('POST', '/login', { json: { username: 'erin', password } })).body.access_token;
  // A description starting with `probe-` now fails inside PostgreSQL with a data exception quoting the value.
  await queryTestDatabase(
    `ALTER TABLE applications ADD CONSTRAINT log_safety_probe CHECK (CASE WHEN description LIKE 'probe-%' THEN description::integer > 0 ELSE true END)`,
    [],
    stack.devportal.schema,
  );
  try {
    const description = `probe-${marker('Description')}`;
    const response = await call('POST', '/applications', { token, json: { name: 'probe', description } });
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain(description);
    const failures = logs.devportal.entries().filter((line) => (line['err'] as { code?: string } | undefined)?.code === '22P02');
    expect(failures.map((line) => line['msg'])).toEqual(['unhandled error']);
    expect(failures[0]!['err']).toMatchObject({ type: 'QueryFailedError', message: 'invalid input syntax for type integer: "[value]"', stack: expect.stringContaining('    at ') });
    const text = logs.devportal.text();
    expect(text.includes(description)).toBe(false);
    expect(text).not.toMatch(/"(parameters|query|driverError|detail)":/);
  } finally {
    await queryTestDatabase('ALTER TABLE applications DROP CONSTRAINT log_safety_probe', [], stack.devportal.schema);
  }
});
