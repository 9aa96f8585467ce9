// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/application/GrantTypeTokenGenerateTestCase.java
//
// Differs deliberately: WSO2's grant list includes saml2-bearer, iwa:ntlm and implicit, which this Key Manager
// refuses with the reason (docs/key-manager.md "Differences from WSO2"); testApplicationCreation uses the grants
// it offers. Left out: testAuthCode, testImplicit, testAuthRequestWithoutCallbackURL, testAuthCodeAppDisplayName
// (they drive WSO2 Identity Server's commonauth login and consent pages — sessionDataKey, sessionDataKeyConsent
// — and invoke an API through the gateway; this Key Manager's own login page and the code flow are tested in
// apps/key-manager/test/oauth-flows.spec.ts).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { applicationDto, keyGenerateDto, type Wso2StoreClient } from './wso2-store-client.js';

// Each file starts a Key Manager and a portal: generous for a loaded machine.
jest.setTimeout(180_000);

const CALLBACK_URL = 'http://localhost:9443/store/';

let compat: CompatStack;
let store: Wso2StoreClient;
let applicationId: string;
let consumerKey: string;
let consumerSecret: string;

beforeAll(async () => {
  compat = await startCompatStack('grant-type');
  store = await compat.clientFor('admin-user');
  const created = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name: 'GrantTypeTokenGenerateApp', description: 'Test Application', throttlingPolicy: 'Unlimited' }));
  expect(created.status).toBe(201);
  applicationId = created.body.applicationId;
});

afterAll(async () => {
  await compat?.stop();
});

describe('GrantTypeTokenGenerateTestCase', () => {
  it('testApplicationCreation', async () => {
    const grantTypes = ['client_credentials', 'authorization_code', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'];
    const keys = await store.generateKeysPost<{ consumerKey: string; consumerSecret: string; token?: { accessToken: string } }>(
      applicationId,
      keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', callbackUrl: CALLBACK_URL, grantTypesToBeSupported: grantTypes }),
    );
    expect(keys.status).toBe(200);
    expect(keys.body.token?.accessToken).toEqual(expect.any(String));
    ({ consumerKey, consumerSecret } = keys.body);
    expect(consumerKey).toBeTruthy();
    expect(consumerSecret).toBeTruthy();
  });

  it('testTokenGenerationWithCorruptedClientCredentials', async () => {
    // Base64 of key:secret with its last two characters cut, as HTTPSClientUtils.doPost sends it.
    const credentials = Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64');
    const response = await fetch(`${compat.stack.keyManager.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${credentials.slice(0, -2)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: string; error_description?: string };
    expect(body.error).toBe('invalid_client');
    expect(response.headers.get('www-authenticate')).not.toBeNull();
  });

  it('testApplicationCreationWithoutCallBackURL', async () => {
    const other = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name: 'CallbackUpdateApp', description: 'Test Application', throttlingPolicy: 'Unlimited' }));
    const response = await store.generateKeysPost(
      other.body.applicationId,
      keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', callbackUrl: '', grantTypesToBeSupported: ['client_credentials', 'authorization_code', 'password'], additionalProperties: {} }),
    );
    expect(response.status).toBe(400);
  });
});
