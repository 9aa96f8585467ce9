import { jest } from '@jest/globals';
import { KeyManagerPatterns, RpcErrorCodes } from '@app/contracts';
import { EncryptionService, KeyManagerCallError, loadEncryptionMaterial } from '@app/platform';
import { SecretKinds } from '@app/crypto';
import { encryptionTables, startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { parseMetrics, valueOf } from '../../../test/support/metrics-text.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, writeTestConfig, type TestConfigDir } from '../../../test/support/test-config.js';
import { TEST_DATABASE_URL } from '../../../test/support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';
import { basic, postForm } from './km-test.helpers.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let portal: KeyManagerClientUnderTest;
let reader: EncryptionService;

async function rpcError(call: Promise<unknown>): Promise<KeyManagerCallError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyManagerCallError);
  return error as KeyManagerCallError;
}

async function clientCredentials(clientId: string, secret: string): Promise<Response> {
  return postForm(`${km.baseUrl}/oauth2/token`, 'grant_type=client_credentials', { authorization: basic(clientId, secret) });
}

beforeAll(async () => {
  tmp = await makeTempDir();
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url, encryption: 'rsa-oaep' });
  portal = await createKeyManagerClientForTest(km.config);
  // What the Developer Portal holds to read consumer secrets that cross the bus in stored form.
  reader = new EncryptionService(await loadEncryptionMaterial(km.config));
});

afterAll(async () => {
  await portal?.close();
  await km?.stop();
  await nats?.stop();
  await tmp?.remove();
});

test('km.profile.get describes how this Key Manager stores secrets', async () => {
  const view = await portal.client.call(KeyManagerPatterns.ProfileGet, {});
  expect(view.profile).toEqual(reader.profile);
  expect(view.profile).toMatchObject({ enabled: true, transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding' });
  expect(view.readableKeyIds).toContain(view.profile.keyId);
  expect(view.transition).toBeNull();
});

test('km.users.create enforces the password policy and unique names; km.users.authenticate logs in, km.users.refresh renews', async () => {
  const created = await portal.client.call(KeyManagerPatterns.UserCreate, { username: 'bob.smith', password: 'tr0ub4dor&3' });
  expect(created.username).toBe('bob.smith');
  expect(Date.parse(created.createdAt)).not.toBeNaN();

  expect((await rpcError(portal.client.call(KeyManagerPatterns.UserCreate, { username: 'BOB.smith', password: 'another pass 9' }))).code).toBe(RpcErrorCodes.Conflict);
  for (const password of ['short1', 'no digits here', '1234567890', 'carol123']) {
    const error = await rpcError(portal.client.call(KeyManagerPatterns.UserCreate, { username: 'carol123', password }));
    expect(error.code).toBe(RpcErrorCodes.WeakPassword);
  }
  expect((await rpcError(portal.client.call(KeyManagerPatterns.UserCreate, { username: 'x', password: 'fine pass 1' }))).code).toBe(RpcErrorCodes.InvalidRequest);

  const tokens = await portal.client.call(KeyManagerPatterns.UserAuthenticate, { username: 'bob.smith', password: 'tr0ub4dor&3', scopes: ['apim:subscribe'] });
  // The portal's system client has no scopes registered: WSO2's apim:* scopes are not granted, `default` is.
  expect(tokens).toMatchObject({ tokenType: 'Bearer', scopes: ['default'] });
  expect(tokens.refreshToken).toBeDefined();
  const validation = await portal.client.call(KeyManagerPatterns.TokenValidate, { token: tokens.accessToken });
  expect(validation).toMatchObject({ active: true, username: 'bob.smith', clientId: 'apim-devportal', scopes: ['default'] });
  expect(validation.expiresAt! - Date.now() / 1000).toBeGreaterThan(3500);
  // A refresh token is not a bearer token for the portal.
  expect(await portal.client.call(KeyManagerPatterns.TokenValidate, { token: tokens.refreshToken! })).toEqual({ active: false });

  // km.users.refresh renews the log-in: the refresh token rotates, the old pair stops working, a reuse ends the chain.
  const renewed = await portal.client.call(KeyManagerPatterns.UserRefresh, { refreshToken: tokens.refreshToken! });
  expect(renewed).toMatchObject({ tokenType: 'Bearer', scopes: ['default'], refreshToken: expect.any(String) });
  expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
  expect(await portal.client.call(KeyManagerPatterns.TokenValidate, { token: renewed.accessToken })).toMatchObject({ active: true, username: 'bob.smith', clientId: 'apim-devportal' });
  expect(await portal.client.call(KeyManagerPatterns.TokenValidate, { token: tokens.accessToken })).toEqual({ active: false });
  expect((await rpcError(portal.client.call(KeyManagerPatterns.UserRefresh, { refreshToken: tokens.refreshToken! }))).code).toBe(RpcErrorCodes.InvalidCredentials);
  expect(await portal.client.call(KeyManagerPatterns.TokenValidate, { token: renewed.accessToken })).toEqual({ active: false });
  expect((await rpcError(portal.client.call(KeyManagerPatterns.UserRefresh, { refreshToken: 'unknown' }))).code).toBe(RpcErrorCodes.InvalidCredentials);
  expect((await rpcError(portal.client.call(KeyManagerPatterns.UserRefresh, { refreshToken: '' }))).code).toBe(RpcErrorCodes.InvalidRequest);

  expect((await rpcError(portal.client.call(KeyManagerPatterns.UserAuthenticate, { username: 'bob.smith', password: 'wrong' }))).code).toBe(RpcErrorCodes.InvalidCredentials);
  expect((await rpcError(portal.client.call(KeyManagerPatterns.UserAuthenticate, { username: 'nobody', password: 'wrong' }))).code).toBe(RpcErrorCodes.InvalidCredentials);
});

test('client lifecycle: create (secret in stored form only), get, update, regenerate, delete', async () => {
  const created = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Shop app', owner: 'bob.smith', grantTypes: ['client_credentials'], tokenType: 'Default' });
  expect(created).toMatchObject({ clientName: 'Shop app', owner: 'bob.smith', grantTypes: ['client_credentials'], tokenType: 'Default', applicationTokenLifetime: 3600 });
  expect(created.clientSecret.scheme).toMatch(/^RSA\/ECB\/OAEPwithSHA1andMGF1Padding:/);
  expect(created.clientSecret.hash).toMatch(/^[0-9a-f]{64}$/);
  // The portal decrypts it with its own keys, and the plaintext works at the token endpoint.
  const secret = reader.processor.reveal(SecretKinds.ConsumerSecret, created.clientSecret);
  expect(created.clientSecret.stored).not.toContain(secret);
  expect((await clientCredentials(created.clientId, secret)).status).toBe(200);

  expect(await portal.client.call(KeyManagerPatterns.ClientGet, { clientId: created.clientId })).toEqual(created);

  const updated = await portal.client.call(KeyManagerPatterns.ClientUpdate, { clientId: created.clientId, tokenType: 'JWT', applicationTokenLifetime: 120 });
  expect(updated).toMatchObject({ clientName: 'Shop app', tokenType: 'JWT', applicationTokenLifetime: 120 });
  const jwtResponse = (await (await clientCredentials(created.clientId, secret)).json()) as { access_token: string; expires_in: number };
  expect(jwtResponse.access_token.split('.')).toHaveLength(3);
  expect(jwtResponse.expires_in).toBe(120);

  const regenerated = await portal.client.call(KeyManagerPatterns.ClientRegenerateSecret, { clientId: created.clientId });
  const newSecret = reader.processor.reveal(SecretKinds.ConsumerSecret, regenerated.clientSecret);
  expect(newSecret).not.toBe(secret);
  expect((await clientCredentials(created.clientId, secret)).status).toBe(401);
  expect((await clientCredentials(created.clientId, newSecret)).status).toBe(200);

  const deleted = await portal.client.call(KeyManagerPatterns.ClientDelete, { clientId: created.clientId });
  // Three tokens were issued above (opaque, JWT, and one with the new secret).
  expect(deleted).toEqual({ clientId: created.clientId, revokedTokens: 3 });
  expect((await rpcError(portal.client.call(KeyManagerPatterns.ClientGet, { clientId: created.clientId }))).code).toBe(RpcErrorCodes.NotFound);
  expect((await clientCredentials(created.clientId, newSecret)).status).toBe(401);
});

test('km.tokens.issue and km.tokens.revoke work for a client the portal authenticated itself', async () => {
  const client = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Tokens app', owner: 'bob.smith', scopes: ['a', 'b'] });
  const first = await portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: client.clientId, scopes: ['a', 'b'], validityPeriod: 300 });
  expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 300, scopes: ['a', 'b'] });
  expect(first.refreshToken).toBeUndefined();
  const second = await portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: client.clientId });
  const third = await portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: client.clientId });
  expect(await portal.client.call(KeyManagerPatterns.TokenValidate, { token: first.accessToken })).toMatchObject({ active: true, clientId: client.clientId, scopes: ['a', 'b'] });

  expect(await portal.client.call(KeyManagerPatterns.TokenRevoke, { clientId: client.clientId, token: first.accessToken })).toEqual({ revoked: 1 });
  expect(await portal.client.call(KeyManagerPatterns.TokenValidate, { token: first.accessToken })).toEqual({ active: false });
  expect((await portal.client.call(KeyManagerPatterns.TokenValidate, { token: second.accessToken })).active).toBe(true);
  // Another client's token is not this client's to revoke.
  const other = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Other', owner: 'bob.smith' });
  expect(await portal.client.call(KeyManagerPatterns.TokenRevoke, { clientId: other.clientId, token: second.accessToken })).toEqual({ revoked: 0 });
  expect(await portal.client.call(KeyManagerPatterns.TokenRevoke, { clientId: client.clientId })).toEqual({ revoked: 2 });
  expect((await portal.client.call(KeyManagerPatterns.TokenValidate, { token: third.accessToken })).active).toBe(false);

  expect((await rpcError(portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: 'no-such-client' }))).code).toBe(RpcErrorCodes.NotFound);
  const codeOnly = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Code only', owner: 'bob', grantTypes: ['authorization_code'], redirectUris: ['https://x.example/cb'] });
  expect((await rpcError(portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: codeOnly.clientId }))).code).toBe(RpcErrorCodes.InvalidRequest);
});

test('km.clients.map answers a client whose secret is proved by client authentication (any working secret, under the throttle), and nothing else', async () => {
  const clientAuthFailuresRecorded = async () =>
    valueOf(parseMetrics(await (await fetch(`${km.managementUrl}/metrics`)).text()), 'key_manager_auth_failures_total', { credential: 'client' }) ?? 0;
  const failuresBefore = await clientAuthFailuresRecorded();
  const created = await portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'Mappable', owner: 'carol', grantTypes: ['client_credentials'] });
  const own = reader.processor.reveal(SecretKinds.ConsumerSecret, created.clientSecret);
  const added = await portal.client.call(KeyManagerPatterns.ClientSecretGenerate, { clientId: created.clientId });
  const { clientSecret: _stored, ...shown } = created;
  for (const secret of [own, added.secretValue!]) {
    expect(await portal.client.call(KeyManagerPatterns.ClientMap, { clientId: created.clientId, clientSecret: secret, sourceAddress: '198.51.100.7' })).toMatchObject(shown);
  }
  const wrong = await rpcError(portal.client.call(KeyManagerPatterns.ClientMap, { clientId: created.clientId, clientSecret: `${own}x`, sourceAddress: '198.51.100.7' }));
  const unknown = await rpcError(portal.client.call(KeyManagerPatterns.ClientMap, { clientId: 'no-such-client', clientSecret: own, sourceAddress: '198.51.100.7' }));
  const portalClient = await rpcError(portal.client.call(KeyManagerPatterns.ClientMap, { clientId: 'apim-devportal', clientSecret: own }));
  for (const error of [wrong, unknown, portalClient]) expect({ code: error.code, message: error.message }).toEqual({ code: RpcErrorCodes.InvalidCredentials, message: 'Client credentials are invalid.' });
  // Each failure went through the authentication throttle, counted against the client (tests raise its limits).
  expect((await clientAuthFailuresRecorded()) - failuresBefore).toBe(2);
});

test('malformed payloads are refused with INVALID_REQUEST, not half-applied', async () => {
  const unknownField = await rpcError(portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'x', owner: 'y', admin: true } as never));
  expect(unknownField.code).toBe(RpcErrorCodes.InvalidRequest);
  const badGrant = await rpcError(portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'x', owner: 'y', grantTypes: ['implicit'] } as never));
  expect(badGrant.code).toBe(RpcErrorCodes.InvalidRequest);
  const noRedirect = await rpcError(portal.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'x', owner: 'y', grantTypes: ['authorization_code'] }));
  expect(noRedirect.code).toBe(RpcErrorCodes.InvalidRequest);
});

test('a peer with other encryption settings is refused with ENCRYPTION_PROFILE_MISMATCH naming the setting', async () => {
  const mismatchedConfig = await writeTestConfig(
    tmp.dir,
    'devportal',
    {
      database: { url: TEST_DATABASE_URL },
      'transport.nats': { servers: [nats.url], request_timeout: 3000 },
      'keystore.primary': { file_name: keystore.file, type: keystore.type, password: keystore.password, alias: keystore.alias },
      ...encryptionTables('off'),
    },
    'portal-off.toml',
  );
  const mismatched = await createKeyManagerClientForTest(mismatchedConfig);
  try {
    const error = await rpcError(mismatched.client.call(KeyManagerPatterns.ClientCreate, { clientName: 'never', owner: 'x' }));
    expect(error.code).toBe(RpcErrorCodes.ProfileMismatch);
    expect(error.message).toContain('enable_token_encryption: false vs true');
    // Refused by the Key Manager itself (its reply names the receiving instance), before anything was stored.
    expect(error.details).toMatchObject({ receiverInstance: expect.stringMatching(/^key-manager-/) });
  } finally {
    await mismatched.close();
  }
});
