// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/application/MultipleClientSecretsTokenTestCase.java
// sent as WSO2's generated client sends it (wso2-store-client.ts: ApplicationSecretsApi), the token requests as
// the test's requestTokenWithSecret sends them (HTTP Basic, client_credentials at /oauth2/token).
//
// Left out: the TENANT_ADMIN run of the @Factory (no tenants). The test's SkipException on 900916 (the
// feature switched off) is not taken: the feature is on by default here, as in WSO2 4.7; the 900916 answer
// itself is asserted in consumer-secrets.spec.ts.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { introspectAsAdmin, jwtClaim, requestTokenWithSecret } from './token-request.js';
import { applicationDto, keyGenerateDto, type Wso2StoreClient } from './wso2-store-client.js';

jest.setTimeout(180_000);

interface ConsumerSecretBody {
  secretId: string;
  secretValue: string;
}

let compat: CompatStack;
let store: Wso2StoreClient;
let applicationId: string;
let consumerKey: string;
let keyMappingId: string;
let firstAdditionalSecretId: string;
let firstAdditionalSecretValue: string;

const generateConsumerSecret = async (description: string): Promise<ConsumerSecretBody> => {
  const response = await store.generateConsumerSecret<ConsumerSecretBody>(applicationId, keyMappingId, { additionalProperties: { description } });
  expect(response.status).toBe(201);
  return response.body;
};

beforeAll(async () => {
  compat = await startCompatStack('multiple-client-secrets');
  store = await compat.clientFor('admin-user');
  // setEnvironment: restAPIStore.createApplication(APP_NAME, …, DEFAULT_APP_POLICY_FIFTY_REQ_PER_MIN, OAUTH)
  const app = await store.applicationsPost<{ applicationId: string }>(
    applicationDto({ name: 'MultipleSecretsTokenTestApp', description: 'Token test application for multiple client secrets', throttlingPolicy: '50PerMin', tokenType: 'OAUTH' }),
  );
  expect(app.status).toBe(201);
  applicationId = app.body.applicationId;
  // restAPIStore.generateKeys(applicationId, "3600", null, PRODUCTION, null, [client_credentials])
  const keys = await store.generateKeysPost<{ consumerKey: string; keyMappingId: string }>(
    applicationId,
    keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', grantTypesToBeSupported: ['client_credentials'], keyManager: 'Resident Key Manager' }),
  );
  expect(keys.status).toBe(200);
  consumerKey = keys.body.consumerKey;
  keyMappingId = keys.body.keyMappingId;
});

afterAll(async () => {
  if (applicationId) await store.applicationsApplicationIdDelete(applicationId);
  await compat?.stop();
});

describe('MultipleClientSecretsTokenTestCase', () => {
  it('testTokenGenerationWithGeneratedSecret', async () => {
    const secret = await generateConsumerSecret('token-test-secret-1');
    firstAdditionalSecretId = secret.secretId;
    firstAdditionalSecretValue = secret.secretValue;
    expect(firstAdditionalSecretId.trim()).not.toBe('');
    expect(firstAdditionalSecretValue.trim()).not.toBe('');

    const token = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, consumerKey, firstAdditionalSecretValue);
    expect(token.status).toBe(200);
    expect(typeof token.body['access_token']).toBe('string');
    expect((token.body['access_token'] as string).trim()).not.toBe('');
  });

  it('testTokenGenerationFailsAfterRevoke', async () => {
    // The most recent secret cannot be revoked: a helper secret comes first, as in WSO2's test.
    await generateConsumerSecret('revoke-test-helper-secret');
    const revoked = await store.revokeConsumerSecret(applicationId, keyMappingId, { secretId: firstAdditionalSecretId });
    expect(revoked.status).toBe(204);

    const token = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, consumerKey, firstAdditionalSecretValue);
    expect(token.status).toBe(401);
  });

  it('testBothSecretsWorkConcurrently', async () => {
    const secret1 = await generateConsumerSecret('concurrent-secret-1');
    const secret2 = await generateConsumerSecret('concurrent-secret-2');

    const [token1, token2] = await Promise.all([
      requestTokenWithSecret(compat.stack.keyManager.baseUrl, consumerKey, secret1.secretValue),
      requestTokenWithSecret(compat.stack.keyManager.baseUrl, consumerKey, secret2.secretValue),
    ]);
    expect(token1.status).toBe(200);
    expect(token1.body).toHaveProperty('access_token');
    expect(token2.status).toBe(200);
    expect(token2.body).toHaveProperty('access_token');
  });

  it('testTokensFromDifferentSecretsHaveSameApplication', async () => {
    const secret1 = await generateConsumerSecret('identity-check-secret-1');
    const secret2 = await generateConsumerSecret('identity-check-secret-2');

    const token1 = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, consumerKey, secret1.secretValue);
    const token2 = await requestTokenWithSecret(compat.stack.keyManager.baseUrl, consumerKey, secret2.secretValue);
    expect(token1.status).toBe(200);
    expect(token2.status).toBe(200);
    // The application is OAUTH (opaque tokens): WSO2's test then compares nothing. Introspection names the
    // client of each token, which is the same identity check.
    const access1 = token1.body['access_token'] as string;
    const access2 = token2.body['access_token'] as string;
    const sub1 = jwtClaim(access1, 'sub');
    const sub2 = jwtClaim(access2, 'sub');
    if (sub1 !== undefined || sub2 !== undefined) expect(sub1).toBe(sub2);
    const [info1, info2] = [await introspectAsAdmin(compat.stack.keyManager, access1), await introspectAsAdmin(compat.stack.keyManager, access2)];
    expect(info1.active).toBe(true);
    expect(info1.client_id).toBe(consumerKey);
    expect(info2.client_id).toBe(info1.client_id);
  });
});
