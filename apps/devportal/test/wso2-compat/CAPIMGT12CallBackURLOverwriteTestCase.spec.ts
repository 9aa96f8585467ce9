// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/application/CAPIMGT12CallBackURLOverwriteTestCase.java
// through RestAPIStoreImpl.updateKeys / getApplicationKeysByKeyType (WSO2's deprecated keys/{keyType}
// resources), sent as WSO2's generated client sends them.
//
// Differs deliberately: WSO2's test adds saml2-bearer and iwa:ntlm to the grant types of the update; they are
// refused here with the reason (docs/key-manager.md "Differences from WSO2"), so the update keeps the grants
// offered. Also covers WSO2's `regexp=(…|…)` callback form (identity-inbound-auth-oauth
// AbstractResponseTypeRequestValidator.validateCallbackURI: whole-string match).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { signInAndAuthorize } from '../../../key-manager/test/km-test.helpers.js';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { applicationDto, keyGenerateDto, type Wso2StoreClient } from './wso2-store-client.js';

// Each file starts a Key Manager and a portal: generous for a loaded machine.
jest.setTimeout(180_000);

const USER_1_TEST_APP_INITIAL_CBU = 'http://localhost:9764/user1-initial';
const USER_2_TEST_APP_INITIAL_CBU = 'http://localhost:9764/user2-initial';
const USER_2_TEST_APP_UPDATED_CBU = 'http://localhost:9764/user2-updated';
const grantTypes = ['client_credentials', 'password'];

let compat: CompatStack;
let user1: Wso2StoreClient;
let user2: Wso2StoreClient;

beforeAll(async () => {
  compat = await startCompatStack('capimgt12');
  user1 = await compat.clientFor('capimgt12-user1');
  user2 = await compat.clientFor('capimgt12-user2');
});

afterAll(async () => {
  await compat?.stop();
});

async function appWithKeys(store: Wso2StoreClient, callbackUrl: string, grants = grantTypes, name = 'TestApplication'): Promise<string> {
  const app = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name, description: 'Test Application', throttlingPolicy: 'Unlimited' }));
  expect(app.status).toBe(201);
  const keys = await store.generateKeysPost(app.body.applicationId, keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', callbackUrl, grantTypesToBeSupported: grants }));
  expect(keys.status).toBe(200);
  return app.body.applicationId;
}

describe('CAPIMGT12CallBackURLOverwriteTestCase', () => {
  it('callBackUrlUpdateTestCase', async () => {
    const user1ApplicationId = await appWithKeys(user1, USER_1_TEST_APP_INITIAL_CBU);
    const user2ApplicationId = await appWithKeys(user2, USER_2_TEST_APP_INITIAL_CBU);
    // updateKeys(user2ApplicationId, "PRODUCTION", ApplicationKeyDTO{keyType, callbackUrl, supportedGrantTypes})
    const update = await user2.send('PUT', `/applications/${user2ApplicationId}/keys/PRODUCTION`, { keyType: 'PRODUCTION', callbackUrl: USER_2_TEST_APP_UPDATED_CBU, supportedGrantTypes: grantTypes });
    expect(update.status).toBe(200);
    const keys1 = await user1.send<{ consumerKey: string; callbackUrl: string }>('GET', `/applications/${user1ApplicationId}/keys/PRODUCTION`);
    expect(keys1.status).toBe(200);
    expect(keys1.body.consumerKey).toBeTruthy();
    const keys2 = await user2.send<{ consumerKey: string; callbackUrl: string }>('GET', `/applications/${user2ApplicationId}/keys/PRODUCTION`);
    expect(keys2.status).toBe(200);
    expect(keys2.body.callbackUrl).toBe(USER_2_TEST_APP_UPDATED_CBU);
    expect(keys1.body.callbackUrl).toBe(USER_1_TEST_APP_INITIAL_CBU);
    expect(keys1.body.callbackUrl).not.toBe(keys2.body.callbackUrl);
  });

  it("accepts WSO2's regexp=(…|…) callback form and matches redirect_uri against the whole pattern", async () => {
    const password = 'capimgt12-user1 has a long password 1';
    const callback = 'regexp=(https://a\\.example/cb|https://b\\.example/cb)';
    const appId = await appWithKeys(user1, callback, ['authorization_code'], 'RegexpCallbackApp');
    const key = await user1.send<{ consumerKey: string; callbackUrl: string }>('GET', `/applications/${appId}/keys/PRODUCTION`);
    expect(key.body.callbackUrl).toBe(callback);
    const authorize = (redirectUri?: string) => {
      const url = new URL('/oauth2/authorize', compat.stack.keyManager.baseUrl);
      url.search = new URLSearchParams({ response_type: 'code', client_id: key.body.consumerKey, ...(redirectUri ? { redirect_uri: redirectUri } : {}) }).toString();
      return signInAndAuthorize(url, 'capimgt12-user1', password);
    };
    for (const ok of ['https://a.example/cb', 'https://b.example/cb']) {
      const granted = await authorize(ok);
      expect(granted.location?.startsWith(`${ok}?code=`)).toBe(true);
    }
    // Whole-string match: a prefix or suffix of an allowed URI is not allowed; nor is no redirect_uri at all.
    for (const bad of ['https://a.example/cb/../evil', 'https://a.example/cbx', 'https://evil.example/?https://a.example/cb', undefined]) {
      const refused = await authorize(bad);
      expect(refused.status).toBe(400);
      expect(refused.location).toBeNull();
    }
  });

  it('refuses a callback pattern that is not a valid RE2 expression (no backreferences), with 400', async () => {
    const app = await user1.applicationsPost<{ applicationId: string }>(applicationDto({ name: 'BadPatternApp', throttlingPolicy: 'Unlimited' }));
    const keys = await user1.generateKeysPost(app.body.applicationId, keyGenerateDto({ keyType: 'PRODUCTION', callbackUrl: 'regexp=(a)\\1', grantTypesToBeSupported: ['authorization_code'] }));
    expect(keys.status).toBe(400);
    expect(keys.text).toContain('not a valid regular expression');
  });
});
