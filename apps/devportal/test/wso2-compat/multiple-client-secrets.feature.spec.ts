// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/key-manager/multiple_client_secrets.feature
// with its steps as ApplicationBaseSteps.java sends them: generate-secret with
// `{"additionalProperties":{"description":…}}` (the description left out when empty), revoke-secret with
// `{"secretId":…}`, through the generated client's headers (wso2-store-client.ts).
//
// Left out: the tenant1.com examples (no tenants); in the last scenario, the API publication, the subscription
// and the gateway invocations (no publisher or gateway) — each token is introspected at the Key Manager
// instead, which is what the gateway asks.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { introspectAsAdmin, jwtClaim, requestTokenWithSecret } from './token-request.js';
import { applicationDto, unique, type Wso2StoreClient } from './wso2-store-client.js';

jest.setTimeout(180_000);

let compat: CompatStack;
let admin: Wso2StoreClient;

interface KeyBody {
  keyMappingId: string;
  consumerKey: string;
  consumerSecret: string;
}

/** artifacts/payloads/create_apim_test_app.json, then "I create an application with payload". */
const createApp = async (tokenType?: 'JWT'): Promise<string> => {
  const created = await admin.applicationsPost<{ applicationId: string }>(
    applicationDto({ name: unique('APIMTestApp'), throttlingPolicy: 'Unlimited', description: 'Test application for scenarios', ...(tokenType ? { tokenType } : {}) }),
  );
  expect(created.status).toBe(201);
  return created.body.applicationId;
};

const generateKeys = async (appId: string, keyType: 'PRODUCTION' | 'SANDBOX', grantTypes: string[]): Promise<KeyBody> => {
  // The feature posts its own JSON (not the DTO class): exactly these fields.
  const keys = await admin.send<KeyBody>('POST', `/applications/${appId}/generate-keys`, { keyType, grantTypesToBeSupported: grantTypes });
  expect(keys.status).toBe(200);
  return keys.body;
};

/** "I generate a consumer secret with description … as …" */
const generateSecret = (appId: string, keyMappingId: string, description: string) =>
  admin.generateConsumerSecret<{ secretId: string; secretValue: string }>(appId, keyMappingId, { additionalProperties: description ? { description } : {} });

const introspect = (token: string) => introspectAsAdmin(compat.stack.keyManager, token);

beforeAll(async () => {
  compat = await startCompatStack('mcs-feature');
  admin = await compat.clientFor('admin-user');
});

afterAll(async () => {
  await compat?.stop();
});

describe('key-manager/multiple_client_secrets.feature', () => {
  it.each(['PRODUCTION', 'SANDBOX'] as const)('Generate, list and revoke additional consumer secrets for a %s key mapping as admin', async (keyType) => {
    const appId = await createApp();
    const keys = await generateKeys(appId, keyType, ['client_credentials', 'password']);

    if (keyType === 'PRODUCTION') {
      const details = await admin.oauthKeyGet(appId, keys.keyMappingId);
      expect(details.status).toBe(200);
      expect(details.text).toContain('consumerKey');
    }

    const secretA = await generateSecret(appId, keys.keyMappingId, keyType === 'PRODUCTION' ? 'primary extra secret' : 'sandbox extra secret');
    expect(secretA.status).toBe(201);
    expect(secretA.text).toContain('secretValue');

    let listed = await admin.getConsumerSecrets(appId, keys.keyMappingId);
    expect(listed.status).toBe(200);
    expect(listed.text).toContain(secretA.body.secretId);
    // Shown once: the list never carries a value.
    expect(listed.text).not.toContain(secretA.body.secretValue);
    expect(listed.text).not.toContain('secretValue');

    const secretB = await generateSecret(appId, keys.keyMappingId, keyType === 'PRODUCTION' ? 'helper secret' : 'sandbox helper secret');
    expect(secretB.status).toBe(201);

    expect((await admin.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: secretA.body.secretId })).status).toBe(204);

    listed = await admin.getConsumerSecrets(appId, keys.keyMappingId);
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(secretA.body.secretId);
    expect(listed.text).toContain(secretB.body.secretId);
  });

  it('Generate a consumer secret with a minimal payload as admin', async () => {
    const appId = await createApp();
    const keys = await generateKeys(appId, 'PRODUCTION', ['client_credentials', 'password']);
    const minimal = await generateSecret(appId, keys.keyMappingId, '');
    expect(minimal.status).toBe(201);
    expect(minimal.text).toContain('secretValue');
  });

  it('Tokens from two additional secrets are both valid and share the application identity as admin', async () => {
    const appId = await createApp('JWT');
    const keys = await generateKeys(appId, 'PRODUCTION', ['client_credentials']);
    const secret1 = await generateSecret(appId, keys.keyMappingId, 'token-secret-1');
    expect(secret1.status).toBe(201);
    const secret2 = await generateSecret(appId, keys.keyMappingId, 'token-secret-2');
    expect(secret2.status).toBe(201);

    const token1 = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, keys.consumerKey, secret1.body.secretValue);
    expect(token1.status).toBe(200);
    const token2 = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, keys.consumerKey, secret2.body.secretValue);
    expect(token2.status).toBe(200);

    const sub1 = jwtClaim(token1.body['access_token'] as string, 'sub');
    const sub2 = jwtClaim(token2.body['access_token'] as string, 'sub');
    expect(sub1).toBeDefined();
    expect(sub1).toBe(sub2);
  });

  it('Every consumer secret authenticates at the gateway and a revoked one stops as admin', async () => {
    const appId = await createApp();
    const keys = await generateKeys(appId, 'PRODUCTION', ['client_credentials', 'password']);
    const primarySecret = keys.consumerSecret;

    const secretA = await generateSecret(appId, keys.keyMappingId, 'gateway secret A');
    expect(secretA.status).toBe(201);
    const secretB = await generateSecret(appId, keys.keyMappingId, 'gateway secret B');
    expect(secretB.status).toBe(201);

    // All three authenticate, and their tokens are what a gateway accepts (active at introspection).
    for (const secret of [primarySecret, secretA.body.secretValue, secretB.body.secretValue]) {
      const token = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, keys.consumerKey, secret);
      expect(token.status).toBe(200);
      expect(await introspect(token.body['access_token'] as string)).toMatchObject({ active: true, client_id: keys.consumerKey });
    }

    expect((await admin.revokeConsumerSecret(appId, keys.keyMappingId, { secretId: secretA.body.secretId })).status).toBe(204);

    // Exactly that one is dead…
    expect((await requestTokenWithSecret(compat.stack.keyManager.baseUrl, keys.consumerKey, secretA.body.secretValue)).status).toBe(401);
    // …and the sibling is untouched.
    const token = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, keys.consumerKey, secretB.body.secretValue);
    expect(token.status).toBe(200);
    expect(await introspect(token.body['access_token'] as string)).toMatchObject({ active: true });
  });
});
