// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/application/ApplicationTestCase.java
// through RestAPIStoreImpl's helpers (tests-common/integration-test-utils), sent as WSO2's generated client
// sends them (wso2-store-client.ts). The methods run in WSO2's dependsOnMethods order.
//
// Left out: testAddSubscriptionApplicationById and testGetSubscriptionForApplicationById (need a publisher
// and subscriptions); the tenant user mode (no tenants). WSO2's createOIDCApplication (OAuthAdminService
// registerOAuthApplicationData, an Identity Server admin SOAP service) is the Key Manager's DCR endpoint as
// the super admin here; createServiceProvider (the same client as an IS service provider) has no counterpart.
// The consumer-secret methods' SkipException on 900916 is not taken: the feature is on by default, as in 4.7.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { applicationDto, keyGenerateDto, type Wso2StoreClient } from './wso2-store-client.js';

// Each file starts a Key Manager and a portal: generous for a loaded machine.
jest.setTimeout(180_000);

let compat: CompatStack;
let store: Wso2StoreClient;
let applicationId: string;
let applicationDTO: Record<string, unknown>;
const grantTypes = ['client_credentials'];

interface KeyBody {
  keyMappingId: string;
  consumerKey: string;
  consumerSecret: string;
  mode: string;
  token?: { accessToken: string };
}

interface ErrorBody {
  code: number;
  message: string;
  description: string;
}

interface ConsumerSecretBody {
  secretId: string;
  secretValue?: string;
  additionalProperties?: { description?: string };
}

interface ConsumerSecretListBody {
  count: number;
  list: ConsumerSecretBody[];
}

// testFetchKeyDetailsByKeyMappingID's application, used by the consumer-secret methods (WSO2's applicationId3).
let applicationId3: string;
let app3KeyMappingId: string;
let generatedSecretId: string;
const multipleGeneratedSecretIds: string[] = [];

/**
 * ApplicationTestCase.createOIDCApplication: an OAuth2 client registered outside the portal (authorization_code,
 * WSO2's callback URL), through the Key Manager's DCR endpoint as the super admin.
 */
async function createOIDCApplication(applicationName: string): Promise<{ clientId: string; clientSecret: string }> {
  return compat.km.registerClient(compat.stack.keyManager.admin, {
    client_name: applicationName,
    grant_types: ['authorization_code'],
    redirect_uris: ['http://localhost:8490/playground2/oauth2clien'],
    ext_application_owner: 'admin',
  });
}

/** restAPIStore.generateConsumerSecret(applicationId3, keyMappingId, request with additionalProperties). */
async function generateConsumerSecret(keyMappingId: string, additionalProperties: Record<string, unknown>): Promise<ConsumerSecretBody> {
  const generated = await store.generateConsumerSecret<ConsumerSecretBody>(applicationId3, keyMappingId, { additionalProperties });
  expect(generated.status).toBe(201);
  return generated.body;
}

beforeAll(async () => {
  compat = await startCompatStack('application-tc');
  store = await compat.clientFor('admin-user');
  // restAPIStore.createApplication(applicationName, "Test Application", tier, ApplicationDTO.TokenTypeEnum.OAUTH)
  const created = await store.applicationsPost<{ applicationId: string }>(
    applicationDto({ name: 'NewApplicationTest', description: 'Test Application', throttlingPolicy: 'Unlimited', tokenType: 'OAUTH' }),
  );
  expect(created.status).toBe(201);
  applicationId = created.body.applicationId;
});

afterAll(async () => {
  await compat?.stop();
});

describe('ApplicationTestCase', () => {
  it('testGetApplicationById', async () => {
    const got = await store.applicationsApplicationIdGet<Record<string, unknown>>(applicationId);
    expect(got.status).toBe(200);
    expect(got.body['applicationId']).toBe(applicationId);
    applicationDTO = got.body;
  });

  it('testApplicationKeyGenerationById', async () => {
    // restAPIStore.generateKeys(applicationId, "3600", null, PRODUCTION, null, grantTypes)
    const keys = await store.generateKeysPost<KeyBody>(applicationId, keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', grantTypesToBeSupported: grantTypes }));
    expect(keys.status).toBe(200);
    expect(keys.body.token?.accessToken).toEqual(expect.any(String));
  });

  it('testUpdateApplicationById', async () => {
    // The ApplicationDTO that GET returned, renamed, with a key the server must ignore (keys is read-only).
    const update = {
      ...applicationDTO,
      name: 'UpdatedApplicationTest',
      keys: [{ keyType: 'PRODUCTION', callbackUrl: 'test-callback', supportedGrantTypes: ['password'] }],
    };
    const updated = await store.applicationsApplicationIdPut<{ name: string; keys: Array<{ supportedGrantTypes: string[] }> }>(applicationId, update);
    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe('UpdatedApplicationTest');
    expect(updated.body.keys[0]?.supportedGrantTypes).toEqual(grantTypes);
  });

  it('testCleanupApplicationRegistrationById', async () => {
    // applicationsApplicationIdKeysKeyTypeCleanUpPost(applicationId, "PRODUCTION", null): a body-less POST.
    expect((await store.keysKeyTypeCleanUpPost(applicationId, 'PRODUCTION')).status).toBe(200);
    const keys = await store.oauthKeysGet<{ count: number }>(applicationId);
    expect(keys.body.count).toBe(0);
  });

  it('testRemoveApplicationById', async () => {
    // RestAPIStoreImpl.deleteApplication: DELETE, then GET must answer 404.
    expect((await store.applicationsApplicationIdDelete(applicationId)).status).toBe(200);
    expect((await store.applicationsApplicationIdGet(applicationId)).status).toBe(404);
  });

  it('testFetchKeyDetailsByKeyMappingID', async () => {
    const created = await store.applicationsPost<{ applicationId: string }>(
      applicationDto({ name: 'KeyMappingTestApp', description: 'Test Application', throttlingPolicy: 'Unlimited', tokenType: 'OAUTH' }),
    );
    expect(created.status).toBe(201);
    const keys = await store.generateKeysPost<KeyBody>(created.body.applicationId, keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', grantTypesToBeSupported: grantTypes }));
    expect(keys.status).toBe(200);
    const fetched = await store.oauthKeyGet<KeyBody>(created.body.applicationId, keys.body.keyMappingId);
    expect(fetched.status).toBe(200);
    expect(fetched.body.consumerKey).toBe(keys.body.consumerKey);
    applicationId3 = created.body.applicationId;
    app3KeyMappingId = keys.body.keyMappingId;
  });

  it('mapApplicationKeysNegative', async () => {
    const oauthApp1 = await createOIDCApplication('OauthApp1');
    // restAPIStore.createApplication("DevPortalApp1", "JWT Application", TEN_PER_MIN, JWT)
    const created = await store.applicationsPost<{ applicationId: string }>(
      applicationDto({ name: 'DevPortalApp1', description: 'JWT Application', throttlingPolicy: '10PerMin', tokenType: 'JWT' }),
    );
    expect(created.status).toBe(201);
    // generateKeys(applicationId1, "36000", "", PRODUCTION, null, grantTypes), then map-keys for PRODUCTION.
    const keys = await store.generateKeysPost(created.body.applicationId, keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '36000', callbackUrl: '', grantTypesToBeSupported: grantTypes }));
    expect(keys.status).toBe(200);
    // RestAPIStoreImpl.mapConsumerKeyWithApplication: keyType PRODUCTION, keyManager "Resident Key Manager".
    const mapped = await store.mapKeysPost<ErrorBody>(created.body.applicationId, {
      consumerKey: oauthApp1.clientId,
      consumerSecret: oauthApp1.clientSecret,
      keyManager: 'Resident Key Manager',
      keyType: 'PRODUCTION',
    });
    expect(mapped.status).toBe(409);
    expect(mapped.text).toContain('Key Mappings already exists');
    expect(mapped.body.code).toBe(901409);
  });

  it('mapApplicationKeys', async () => {
    const oauthApp2 = await createOIDCApplication('OauthApp2');
    const created = await store.applicationsPost<{ applicationId: string }>(
      applicationDto({ name: 'DevPortalApp2', description: 'JWT Application', throttlingPolicy: '10PerMin', tokenType: 'JWT' }),
    );
    expect(created.status).toBe(201);
    const mapped = await store.mapKeysPost<KeyBody & { supportedGrantTypes: string[] }>(created.body.applicationId, {
      consumerKey: oauthApp2.clientId,
      consumerSecret: oauthApp2.clientSecret,
      keyManager: 'Resident Key Manager',
      keyType: 'PRODUCTION',
    });
    expect(mapped.status).toBe(200);
    expect(mapped.body).toMatchObject({ consumerKey: oauthApp2.clientId, mode: 'MAPPED', supportedGrantTypes: ['authorization_code'] });
    // generateKeys(applicationId2, "3600", "", PRODUCTION, null, grantTypes): the WSO2 test accepts only a 409
    // "Key Mappings already exists" if it fails; here it always does, since the key type is taken.
    const keys = await store.generateKeysPost<ErrorBody>(created.body.applicationId, keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', callbackUrl: '', grantTypesToBeSupported: grantTypes }));
    expect(keys.status).toBe(409);
    expect(keys.text).toContain('Key Mappings already exists');
  });

  it('testGenerateConsumerSecretForKeyMappingId', async () => {
    const secret = await generateConsumerSecret(app3KeyMappingId, { description: 'app3 secondary secret', expiresIn: 86400 });
    expect(secret.secretId).toEqual(expect.any(String));
    expect(secret.secretValue).toEqual(expect.any(String));
    expect(secret.secretValue!.trim()).not.toBe('');
    generatedSecretId = secret.secretId;
  });

  it('testGetConsumerSecretsForKeyMappingId', async () => {
    const listed = await store.getConsumerSecrets<ConsumerSecretListBody>(applicationId3, app3KeyMappingId);
    expect(listed.status).toBe(200);
    expect(listed.body.list.length).toBeGreaterThan(0);
    expect(listed.body.list.map((s) => s.secretId)).toContain(generatedSecretId);
  });

  it('testRevokeConsumerSecretForKeyMappingId', async () => {
    // A helper secret first, so that generatedSecretId is not the latest (which cannot be revoked).
    await generateConsumerSecret(app3KeyMappingId, { description: 'revoke-test-helper-secret' });
    const revoked = await store.revokeConsumerSecret(applicationId3, app3KeyMappingId, { secretId: generatedSecretId });
    expect(revoked.status).toBe(204);
    const listed = await store.getConsumerSecrets<ConsumerSecretListBody>(applicationId3, app3KeyMappingId);
    expect(listed.body.list.map((s) => s.secretId)).not.toContain(generatedSecretId);
  });

  it('testGenerateMultipleSecretsForSameKeyMapping', async () => {
    for (const i of [1, 2]) {
      const secret = await generateConsumerSecret(app3KeyMappingId, { description: `multi-secret-${i}` });
      expect(secret.secretId).toEqual(expect.any(String));
      multipleGeneratedSecretIds.push(secret.secretId);
    }
  });

  it('testSecretListCountMatchesGenerated', async () => {
    const listed = await store.getConsumerSecrets<ConsumerSecretListBody>(applicationId3, app3KeyMappingId);
    expect(listed.body.count).toBe(listed.body.list.length);
    expect(listed.body.list.map((s) => s.secretId)).toEqual(expect.arrayContaining(multipleGeneratedSecretIds));
  });

  it('testGenerateSecretAdditionalPropertiesReturnedInList', async () => {
    const { secretId } = await generateConsumerSecret(app3KeyMappingId, { description: 'props-check-description', expiresIn: 7200 });
    const listed = await store.getConsumerSecrets<ConsumerSecretListBody>(applicationId3, app3KeyMappingId);
    const found = listed.body.list.find((s) => s.secretId === secretId);
    expect(found).toBeDefined();
    // WSO2 checks the description only when additionalProperties carries one; here it always does.
    expect(found?.additionalProperties?.description).toBe('props-check-description');
  });

  it('testGenerateSecretWithMinimalPayload', async () => {
    const secret = await generateConsumerSecret(app3KeyMappingId, {});
    expect(secret.secretId).toEqual(expect.any(String));
    expect(secret.secretValue?.trim()).toBeTruthy();
  });

  it('testGenerateSecretForSandboxKeyMapping', async () => {
    // The key of testFetchKeyDetailsByKeyMappingID's application now holds several secrets; the cap (10) is
    // per client, and the SANDBOX key is another client.
    const sandbox = await store.generateKeysPost<KeyBody>(applicationId3, keyGenerateDto({ keyType: 'SANDBOX', validityTime: '3600', grantTypesToBeSupported: ['client_credentials'] }));
    expect(sandbox.status).toBe(200);
    const { secretId } = await generateConsumerSecret(sandbox.body.keyMappingId, { description: 'sandbox-test-secret' });
    const listed = await store.getConsumerSecrets<ConsumerSecretListBody>(applicationId3, sandbox.body.keyMappingId);
    expect(listed.body.list.map((s) => s.secretId)).toContain(secretId);
    await generateConsumerSecret(sandbox.body.keyMappingId, { description: 'sandbox-cleanup-helper-secret' });
    expect((await store.revokeConsumerSecret(applicationId3, sandbox.body.keyMappingId, { secretId })).status).toBe(204);
  });
});
