// The whole story of issue #4, over real HTTP, NATS and PostgreSQL: both services started here from ONE
// deployment.toml, for each of WSO2's storage settings (plaintext, RSA-OAEP, AES-GCM, hashing). A developer signs up, creates an
// application, gets keys, uses them at the Key Manager's OAuth2 endpoints (with oauth4webapi, a
// standards-strict client), rotates the secret, revokes a token and deletes the application.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import { createHash } from 'node:crypto';
import { decodeStoredValue, formatWso2Hash, HASHED_SCHEME, PLAIN_SCHEME } from '@app/crypto';
import { devportalApi, signUpAndLogIn, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { ENCRYPTION_MODES, type EncryptionMode } from '../support/key-manager.harness.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { queryTestDatabase } from '../support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(90_000);

const SCHEME_PREFIX: Record<EncryptionMode, string> = {
  off: PLAIN_SCHEME,
  'rsa-oaep': 'RSA/ECB/OAEPwithSHA1andMGF1Padding:',
  'aes-gcm': 'AES/GCM/NoPadding:',
  hashing: HASHED_SCHEME,
};

/**
 * Throws unless `action` is refused by the token endpoint with the OAuth2 error `code`. A 401 comes with a
 * `WWW-Authenticate` challenge (RFC 6749 §5.2), which oauth4webapi reports as its own error type; the
 * error code is then in the (unread) body.
 */
async function expectOAuthError(action: Promise<unknown>, code: string): Promise<void> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const body = (await error.response.json()) as { error?: string };
    expect(body.error).toBe(code);
    return;
  }
  expect(error).toBeInstanceOf(oauth.ResponseBodyError);
  expect((error as oauth.ResponseBodyError).error).toBe(code);
}

let tmp: TestConfigDir;
let keystore: TestKeystore;

beforeAll(async () => {
  tmp = await makeTempDir('devportal-e2e-');
  keystore = await createTestKeystore(tmp.dir);
});

afterAll(async () => {
  await tmp?.remove();
});

describe.each(ENCRYPTION_MODES)('developer portal flow with encryption %s', (mode) => {
  let nats: PrivateNats;
  let stack: StackUnderTest;
  let km: KeyManagerOAuth;
  let call: ReturnType<typeof devportalApi>;
  let resourceServer: { clientId: string; clientSecret: string };
  // Carried from step to step, as a developer would.
  let portalToken: string;
  let applicationId: string;
  let keyMappingId: string;
  let consumerKey: string;
  let consumerSecret: string;
  let firstToken: string;

  beforeAll(async () => {
    nats = await startPrivateNats();
    stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: mode, nats: nats.url });
    call = devportalApi(stack.devportal.apiUrl);
    km = await keyManagerOAuth(stack.keyManager.baseUrl);
    resourceServer = await km.registerClient(stack.keyManager.admin, {
      client_name: `gateway-${mode}`,
      grant_types: ['client_credentials'],
      ext_resource_server: true,
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await nats?.stop();
  });

  it('serves both services from one deployment.toml', () => {
    expect(stack.devportal.config.file).toBe(stack.keyManager.config.file);
    expect(stack.devportal.config.database.schema).not.toBe(stack.keyManager.config.database.schema);
  });

  it('signs a developer up and logs them in', async () => {
    portalToken = await signUpAndLogIn(stack.devportal.apiUrl, `dev-${mode}`, 'a long enough passphrase 1');
    expect(portalToken).toEqual(expect.any(String));
  });

  it('creates an application', async () => {
    const created = await call<{ applicationId: string; name: string; status: string; owner: string; tokenType: string }>('POST', '/applications', {
      token: portalToken,
      json: { name: 'Pizza Shack', description: 'orders pizza', tokenType: mode === 'aes-gcm' ? 'OAUTH' : 'JWT' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Pizza Shack', status: 'APPROVED', owner: `dev-${mode}`, throttlingPolicy: 'Unlimited' });
    applicationId = created.body.applicationId;
  });

  it('generates production keys with a first access token', async () => {
    const keys = await call<{ keyMappingId: string; consumerKey: string; consumerSecret: string; keyState: string; token?: { accessToken: string } }>(
      'POST',
      `/applications/${applicationId}/generate-keys`,
      { token: portalToken, json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'], validityTime: 3600 } },
    );
    expect(keys.status).toBe(200);
    expect(keys.body).toMatchObject({ keyType: 'PRODUCTION', keyState: 'COMPLETED', keyManager: 'Resident Key Manager' });
    expect(keys.body.consumerSecret.length).toBeGreaterThan(16);
    ({ keyMappingId, consumerKey, consumerSecret } = keys.body);
    firstToken = keys.body.token!.accessToken;
    expect((await km.introspect(resourceServer, firstToken)).active).toBe(true);
  });

  it(
    mode === 'off'
      ? 'stores the consumer secret as is (encryption off)'
      : mode === 'hashing'
        ? 'stores only the hash of the consumer secret, and never shows it again'
        : 'stores the consumer secret as ciphertext in the portal database',
    async () => {
    const [row] = await queryTestDatabase<{ consumer_secret: string; consumer_secret_scheme: string; consumer_secret_hash: string }>(
      'SELECT consumer_secret, consumer_secret_scheme, consumer_secret_hash FROM application_keys WHERE id = $1',
      [keyMappingId],
      stack.devportal.schema,
    );
    expect(row!.consumer_secret_scheme.startsWith(SCHEME_PREFIX[mode])).toBe(true);
    if (mode === 'off') {
      expect(row!.consumer_secret).toBe(consumerSecret);
    } else if (mode === 'hashing') {
      // WSO2's hash object, as HashingPersistenceProcessor writes it.
      expect(row!.consumer_secret).toBe(formatWso2Hash(createHash('sha256').update(consumerSecret).digest('hex')));
    } else {
      expect(row!.consumer_secret).not.toContain(consumerSecret);
      // WSO2's self-contained format, for the transformation configured.
      const decoded = decodeStoredValue(row!.consumer_secret);
      expect(decoded.format).toBe(mode === 'rsa-oaep' ? 'wso2-rsa-self-contained' : 'wso2-aes-gcm-self-contained');
    }
    // The portal reads it back with its own keys — unless it is a hash, which nobody can read back: then the
    // key is listed without it (it was shown once, when generated).
    const listed = await call<{ list: Array<{ consumerSecret?: string }> }>('GET', `/applications/${applicationId}/oauth-keys`, { token: portalToken });
    expect(listed.body.list.map((k) => k.consumerSecret)).toEqual([mode === 'hashing' ? undefined : consumerSecret]);
    const one = await call<{ consumerSecret?: string }>('GET', `/applications/${applicationId}/oauth-keys/${keyMappingId}`, { token: portalToken });
    expect(one.body.consumerSecret).toBe(mode === 'hashing' ? undefined : consumerSecret);
    },
  );

  it("gets a token at the Key Manager's token endpoint with the consumer key and secret, and a resource server introspects it", async () => {
    const tokens = await km.clientCredentials(consumerKey, consumerSecret);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const introspection = await km.introspect(resourceServer, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: consumerKey });
  });

  it('regenerates the secret: the old one stops working at once, the new one works', async () => {
    const regenerated = await call<{ consumerKey: string; consumerSecret: string }>(
      'POST',
      `/applications/${applicationId}/oauth-keys/${keyMappingId}/regenerate-secret`,
      { token: portalToken },
    );
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.consumerKey).toBe(consumerKey);
    expect(regenerated.body.consumerSecret).not.toBe(consumerSecret);
    await expectOAuthError(km.clientCredentials(consumerKey, consumerSecret), 'invalid_client');
    const old = consumerSecret;
    consumerSecret = regenerated.body.consumerSecret;
    await expect(km.clientCredentials(consumerKey, consumerSecret)).resolves.toMatchObject({ access_token: expect.any(String) });
    // The portal stored the new value: its generate-token takes the new secret and refuses the old one.
    const withOld = await call('POST', `/applications/${applicationId}/oauth-keys/${keyMappingId}/generate-token`, {
      token: portalToken,
      json: { consumerSecret: old, validityPeriod: 600 },
    });
    expect(withOld.status).toBe(401);
    const withNew = await call<{ accessToken: string; validityTime: number }>('POST', `/applications/${applicationId}/oauth-keys/${keyMappingId}/generate-token`, {
      token: portalToken,
      json: { consumerSecret, validityPeriod: 600 },
    });
    expect(withNew.status).toBe(200);
    expect(withNew.body.validityTime).toBeLessThanOrEqual(600);
    expect((await km.introspect(resourceServer, withNew.body.accessToken)).active).toBe(true);
  });

  it('revokes a token at the Key Manager: introspection says inactive', async () => {
    const { access_token } = await km.clientCredentials(consumerKey, consumerSecret);
    expect((await km.introspect(resourceServer, access_token)).active).toBe(true);
    await km.revoke(consumerKey, consumerSecret, access_token);
    expect((await km.introspect(resourceServer, access_token)).active).toBe(false);
  });

  it("deletes the application: its tokens turn inactive and its key is gone from the Key Manager", async () => {
    const { access_token } = await km.clientCredentials(consumerKey, consumerSecret);
    const deleted = await call('DELETE', `/applications/${applicationId}`, { token: portalToken });
    expect(deleted.status).toBe(200);
    expect((await km.introspect(resourceServer, access_token)).active).toBe(false);
    expect((await km.introspect(resourceServer, firstToken)).active).toBe(false);
    expect(await km.clientStatus(stack.keyManager.admin, consumerKey)).toBe(404);
    await expectOAuthError(km.clientCredentials(consumerKey, consumerSecret), 'invalid_client');
    expect((await call('GET', `/applications/${applicationId}`, { token: portalToken })).status).toBe(404);
    const rows = await queryTestDatabase('SELECT id FROM application_keys WHERE application_id = $1', [applicationId], stack.devportal.schema);
    expect(rows).toEqual([]);
  });
});
