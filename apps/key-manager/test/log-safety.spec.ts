import { jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { KeyManagerPatterns } from '@app/contracts';
import { EncryptionService } from '@app/platform';
import { SecretKinds } from '@app/crypto';
import { startKeyManagerForTest, TEST_ADMIN, TEST_SYMMETRIC_KEY, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { captureLogs, type LogCapture } from '../../../test/support/log-capture.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase } from '../../../test/support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';
import { adminAuth, basic, postForm, register, signInAndAuthorize } from './km-test.helpers.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let portal: KeyManagerClientUnderTest;
let logs: LogCapture;

beforeAll(async () => {
  tmp = await makeTempDir();
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  logs = captureLogs();
  // AES-GCM writes, and the keystore signs: both kinds of key material are loaded. Everything logs.
  km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url, encryption: 'aes-gcm', logLevel: 'trace', logs });
  portal = await createKeyManagerClientForTest(km.config);
});

afterAll(async () => {
  await portal?.close();
  await km?.stop();
  await nats?.stop();
  await tmp?.remove();
});

test('no token, secret, password, code, jti or key material reaches the logs, whatever the endpoint or outcome', async () => {
  const secrets = new Map<string, string>();
  const keep = (what: string, value: unknown) => {
    if (typeof value === 'string' && value.length >= 6) secrets.set(value, what);
  };
  const json = async (response: Response) => (await response.json()) as Record<string, string>;
  const user = { username: 'dora', password: `pw-${randomBytes(8).toString('hex')}-9` };
  keep('user password', user.password);
  keep('admin password', TEST_ADMIN.password);
  keep('keystore password', keystore.password);
  keep('symmetric key', TEST_SYMMETRIC_KEY);
  const signingKey = km.app.get(EncryptionService).signingKey;
  const der = signingKey.privateKey.export({ type: 'pkcs8', format: 'der' });
  // Any 32-character run of the private key's base64 (PEM) or hex would be a leak.
  const keyBase64 = der.toString('base64');
  const keyHex = der.toString('hex');
  for (let i = 0; i + 32 <= keyBase64.length; i += 32) keep('private key (base64)', keyBase64.slice(i, i + 32));
  for (let i = 0; i + 32 <= keyHex.length; i += 64) keep('private key (hex)', keyHex.slice(i, i + 32));

  // NATS: every pattern, with the secrets it carries.
  await portal.client.call(KeyManagerPatterns.UserCreate, user);
  await portal.client.call(KeyManagerPatterns.UserCreate, { username: 'weakling', password: 'weakpass' }).catch(() => undefined);
  const session = await portal.client.call(KeyManagerPatterns.UserAuthenticate, { ...user, scopes: ['s'] });
  keep('access token', session.accessToken);
  keep('refresh token', session.refreshToken);
  keep('jti', decodeJwt(session.accessToken).jti);
  await portal.client.call(KeyManagerPatterns.UserAuthenticate, { username: user.username, password: `${user.password}x` }).catch(() => undefined);
  await portal.client.call(KeyManagerPatterns.TokenValidate, { token: session.accessToken });
  const renewed = await portal.client.call(KeyManagerPatterns.UserRefresh, { refreshToken: session.refreshToken! });
  keep('access token', renewed.accessToken);
  keep('refresh token', renewed.refreshToken);
  // The rotated refresh token again: refused, and the chain revoked (a warning is logged).
  await portal.client.call(KeyManagerPatterns.UserRefresh, { refreshToken: session.refreshToken! }).catch(() => undefined);
  const busClient = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'bus app', owner: user.username, tokenType: 'Default' });
  keep('consumer secret (stored form)', busClient.clientSecret.stored);
  keep('consumer secret', km.app.get(EncryptionService).processor.reveal(SecretKinds.ConsumerSecret, busClient.clientSecret));
  const regenerated = await portal.client.call(KeyManagerPatterns.ClientRegenerateSecret, { clientId: busClient.clientId });
  keep('consumer secret', km.app.get(EncryptionService).processor.reveal(SecretKinds.ConsumerSecret, regenerated.clientSecret));
  const busToken = await portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: busClient.clientId });
  keep('access token', busToken.accessToken);
  await portal.client.call(KeyManagerPatterns.TokenRevoke, { clientId: busClient.clientId, token: busToken.accessToken });
  await portal.client.call(KeyManagerPatterns.ClientUpdate, { clientId: busClient.clientId, clientName: 'renamed' });
  await portal.client.call(KeyManagerPatterns.ClientGet, { clientId: busClient.clientId });
  await portal.client.call(KeyManagerPatterns.ClientDelete, { clientId: busClient.clientId });
  await portal.client.call(KeyManagerPatterns.ProfileGet, {});

  // HTTP: DCR, every grant, introspection, revocation, the sign-in form — and failures carrying secrets.
  const redirectUri = 'https://app.example/cb';
  const web = await register(km, { grant_types: ['client_credentials', 'password', 'refresh_token', 'authorization_code'], redirect_uris: [redirectUri] });
  keep('consumer secret', web.client_secret);
  const auth = basic(web.client_id, web.client_secret!);
  const dcrHeaders = { authorization: adminAuth(km), 'content-type': 'application/json' };
  keep('consumer secret', (await json(await fetch(`${km.baseUrl}/keymanager-operations/dcr/register/${web.client_id}`, { headers: dcrHeaders }))).client_secret);
  await fetch(`${km.baseUrl}/keymanager-operations/dcr/register/${web.client_id}`, { method: 'PUT', headers: dcrHeaders, body: JSON.stringify({ client_name: 'web 2' }) });
  await fetch(`${km.baseUrl}/keymanager-operations/dcr/register`, { method: 'POST', headers: { ...dcrHeaders, authorization: basic(TEST_ADMIN.username, 'wrong-admin-password') }, body: '{}' });
  keep('wrong admin password', 'wrong-admin-password');

  const cc = await json(await postForm(`${km.baseUrl}/oauth2/token`, 'grant_type=client_credentials', { authorization: auth }));
  keep('access token', cc.access_token);
  keep('jti', decodeJwt(cc.access_token!).jti);
  const pw = await json(await postForm(`${km.baseUrl}/oauth2/token`, `grant_type=password&username=${user.username}&password=${encodeURIComponent(user.password)}`, { authorization: auth }));
  keep('access token', pw.access_token);
  keep('refresh token', pw.refresh_token);
  const refreshed = await json(await postForm(`${km.baseUrl}/oauth2/token`, `grant_type=refresh_token&refresh_token=${pw.refresh_token}`, { authorization: auth }));
  keep('access token', refreshed.access_token);
  keep('refresh token', refreshed.refresh_token);
  await postForm(`${km.baseUrl}/oauth2/token`, `grant_type=refresh_token&refresh_token=${pw.refresh_token}`, { authorization: auth }); // reuse
  await postForm(`${km.baseUrl}/oauth2/token`, `grant_type=client_credentials&client_id=${web.client_id}&client_secret=${web.client_secret}x`);
  keep('wrong consumer secret', `${web.client_secret}x`);
  await postForm(`${km.baseUrl}/oauth2/token`, `grant_type=password&username=${user.username}&password=${encodeURIComponent(user.password)}&password=again`, { authorization: auth });
  await fetch(`${km.baseUrl}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ password: user.password }) });
  await fetch(`${km.baseUrl}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"client_secret":"${web.client_secret}"` });

  const verifier = randomBytes(32).toString('base64url');
  keep('code verifier', verifier);
  const url = new URL(`${km.baseUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: web.client_id,
    redirect_uri: redirectUri,
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  await signInAndAuthorize(url, user.username, `${user.password}-wrong`);
  const signedIn = await signInAndAuthorize(url, user.username, user.password);
  const code = new URL(signedIn.location!).searchParams.get('code')!;
  keep('authorization code', code);
  const exchange = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(redirectUri)}&code_verifier=${verifier}`;
  const codeTokens = await json(await postForm(`${km.baseUrl}/oauth2/token`, exchange, { authorization: auth }));
  keep('access token', codeTokens.access_token);
  keep('refresh token', codeTokens.refresh_token);
  await postForm(`${km.baseUrl}/oauth2/token`, exchange, { authorization: auth }); // replay

  for (const token of [cc.access_token, refreshed.refresh_token, 'unknown-token']) {
    await postForm(`${km.baseUrl}/oauth2/introspect`, `token=${token}`, { authorization: adminAuth(km) });
    await postForm(`${km.baseUrl}/oauth2/introspect`, `token=${token}`, { authorization: basic(web.client_id, 'bad') });
  }
  await postForm(`${km.baseUrl}/oauth2/revoke`, `token=${codeTokens.refresh_token}`, { authorization: auth });
  await fetch(`${km.baseUrl}/keymanager-operations/dcr/register/${web.client_id}`, { method: 'DELETE', headers: { authorization: adminAuth(km) } });
  await fetch(`${km.baseUrl}/health/ready`);
  await fetch(`${km.managementUrl}/health/ready`);
  await fetch(`${km.managementUrl}/metrics`);

  const text = logs.text();
  // The capture works: the events of this run are there (request lines, the replay and reuse warnings).
  expect(text).toContain('"path":"/oauth2/token"');
  expect(text).toContain('authorization code replayed');
  expect(text).toContain('rotated refresh token presented again');
  expect(secrets.size).toBeGreaterThan(30);
  const leaks = [...secrets].filter(([value]) => text.includes(value)).map(([, what]) => what);
  expect(leaks).toEqual([]);
});

test('a failing statement logs its class, SQLSTATE and stack, never its query, parameters or the values PostgreSQL quotes (bus and HTTP)', async () => {
  // Any client name starting with `probe-` now fails inside PostgreSQL: a data exception (22P02) whose message
  // quotes the value, raised by the INSERT whose parameters hold the name and the stored consumer secret.
  await queryTestDatabase(
    `ALTER TABLE oauth_clients ADD CONSTRAINT log_safety_probe CHECK (CASE WHEN client_name LIKE 'probe-%' THEN client_name::integer > 0 ELSE true END)`,
    [],
    km.schema,
  );
  try {
    const overBus = `probe-${randomBytes(9).toString('hex')}-bus`;
    const refusal = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: overBus, owner: 'dora', tokenType: 'Default' }).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
    expect(refusal).toMatchObject({ code: 'INTERNAL' });
    expect(refusal?.message).not.toContain(overBus);

    const overHttp = `probe-${randomBytes(9).toString('hex')}-http`;
    const response = await fetch(`${km.baseUrl}/keymanager-operations/dcr/register`, {
      method: 'POST',
      headers: { authorization: adminAuth(km), 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: overHttp, grant_types: ['client_credentials'] }),
    });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain(overHttp);

    const failures = logs.entries().filter((line) => (line['err'] as { code?: string } | undefined)?.code === '22P02');
    // One line from the bus handler, one from the HTTP filter: the error is there to diagnose…
    expect(failures.map((line) => line['msg'])).toEqual(expect.arrayContaining(['unhandled error in message handler', 'unhandled error']));
    for (const line of failures) {
      const err = line['err'] as Record<string, unknown>;
      expect(err).toMatchObject({ type: 'QueryFailedError', code: '22P02', message: 'invalid input syntax for type integer: "[value]"' });
      expect(err['stack']).toEqual(expect.stringContaining('    at '));
      expect(Object.keys(err).sort()).toEqual(['code', 'message', 'stack', 'type']);
    }
    // …and neither the statement nor its values reached any line.
    const text = logs.text();
    expect({ overBus: text.includes(overBus), overHttp: text.includes(overHttp) }).toEqual({ overBus: false, overHttp: false });
    expect(text).not.toMatch(/"(parameters|query|driverError|detail)":/);
  } finally {
    await queryTestDatabase('ALTER TABLE oauth_clients DROP CONSTRAINT log_safety_probe', [], km.schema);
  }
});
