// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/token/TokenAPITestCase.java
// through RestAPIStoreImpl's helpers (addApplication, addApplicationWithTokenType, generateKeys,
// generateUserAccessKey), sent as WSO2's generated client and the test send them. Run by tokens.spec.ts, on the
// stack it shares with JWTRevocationTestCase and token_revocation.feature.
//
// Every gateway call (`HttpRequestUtil.doGet(gatewayUrl, …)`, expecting 200 with John's customer record, or 401
// for "this-is-incorrect-token") is the question a gateway asks the Key Manager instead: introspection, active
// or not. Left out: the API publication and Gold subscriptions of setEnvironment and each method (no publisher,
// subscriptions or gateway); the SUPER_TENANT_USER_STORE_USER and TENANT_EMAIL_USER runs of the @Factory (no
// secondary user stores, no tenants). The SUPER_TENANT_ADMIN and SUPER_TENANT_EMAIL_USER runs are ported.
// testInfiniteTokenAPITestCase differs deliberately: a lifetime of Long.MAX_VALUE (WSO2's token that never
// expires) is refused with WSO2's 900970, as is -1; the test asserts that and says why.
import { describe, expect, it } from '@jest/globals';
import { passwordOf, type CompatStack } from './compat-stack.js';
import { introspectAsAdmin, postWithClientCredentials } from './token-request.js';
import { applicationDto, keyGenerateDto, type Wso2Response, type Wso2StoreClient } from './wso2-store-client.js';

interface KeyBody {
  consumerKey: string;
  consumerSecret: string;
  token?: { accessToken: string };
}

interface ErrorBody {
  code: number;
  message: string;
  description: string;
}

/** The four methods, in WSO2's dependsOnMethods order, as `username` (one run of WSO2's @Factory). */
export function tokenAPITestCase(userMode: string, username: string, compatStack: () => CompatStack): void {
  describe(`TokenAPITestCase (${userMode})`, () => {
    let store: Wso2StoreClient;
    let consumerKey: string;
    let consumerSecret: string;
    const grantTypes = ['password', 'client_credentials', 'refresh_token'];
    const km = () => compatStack().stack.keyManager;
    /** What the gateway asks of a token: is it active? */
    const accepted = async (token: string) => (await introspectAsAdmin(km(), token)).active;
    /** A token endpoint answer whose access token the gateway would accept. */
    const expectAcceptedToken = async (response: Wso2Response<Record<string, unknown>>) => {
      expect(response.status).toBe(200);
      expect(await accepted(response.body['access_token'] as string)).toBe(true);
    };
    /** restAPIStore.addApplication / addApplicationWithTokenType: the new application's id. */
    const addApplication = async (name: string, description: string, tokenType?: 'JWT' | 'OAUTH') => {
      const app = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name, throttlingPolicy: 'Unlimited', description, ...(tokenType ? { tokenType } : {}) }));
      expect(app.status).toBe(201);
      return app.body.applicationId;
    };
    /** generateUserAccessKey(consumerKey, consumerSecret, "grant_type=password&username=…&password=…&scope=PRODUCTION", …) */
    const passwordGrant = (key: string, secret: string) =>
      postWithClientCredentials(`${km().baseUrl}/oauth2/token`, key, secret, `grant_type=password&username=${username}&password=${encodeURIComponent(passwordOf(username))}&scope=PRODUCTION`);

    it('testTokenAPITestCase', async () => {
      store = await compatStack().clientFor(username);
      // restAPIStore.addApplication("TokenTestAPI-Application", UNLIMITED, "", "this-is-test"): ApplicationDTO with the generated defaults.
      const appId = await addApplication('TokenTestAPI-Application', 'this-is-test');
      const sandbox = await store.generateKeysPost<KeyBody>(appId, keyGenerateDto({ keyType: 'SANDBOX', validityTime: '3600', grantTypesToBeSupported: grantTypes }));
      expect(sandbox.status).toBe(200);
      expect(await accepted(sandbox.body.token!.accessToken)).toBe(true);
      const production = await store.generateKeysPost<KeyBody>(appId, keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', grantTypesToBeSupported: grantTypes }));
      expect(production.status).toBe(200);
      consumerKey = production.body.consumerKey;
      consumerSecret = production.body.consumerSecret;
      // The user access token (password grant with scope=PRODUCTION), then the application token.
      await expectAcceptedToken(await passwordGrant(consumerKey, consumerSecret));
      expect(await accepted(production.body.token!.accessToken)).toBe(true);
      // "this-is-incorrect-token": the gateway answers 401.
      expect(await accepted('this-is-incorrect-token')).toBe(false);
    });

    it('testRefreshTokenAPITestCase', async () => {
      const issued = await passwordGrant(consumerKey, consumerSecret);
      await expectAcceptedToken(issued);
      await expectAcceptedToken(
        await postWithClientCredentials(`${km().baseUrl}/oauth2/token`, consumerKey, consumerSecret, `grant_type=refresh_token&refresh_token=${issued.body['refresh_token'] as string}`),
      );
    });

    it('testOauthTokenAPITestCase', async () => {
      // addApplicationWithTokenType("oauthTokenTestAPI-Application", UNLIMITED, "", "this-is-test", "OAUTH")
      const appId = await addApplication('oauthTokenTestAPI-Application', 'this-is-test', 'OAUTH');
      const oauthGrants = ['password', 'client_credentials'];
      const sandbox = await store.generateKeysPost<KeyBody>(appId, keyGenerateDto({ keyType: 'SANDBOX', validityTime: '3600', grantTypesToBeSupported: oauthGrants }));
      expect(sandbox.status).toBe(200);
      // An OAUTH application's tokens are opaque, not JWTs.
      expect(sandbox.body.token!.accessToken.split('.')).toHaveLength(1);
      expect(await accepted(sandbox.body.token!.accessToken)).toBe(true);
      const production = await store.generateKeysPost<KeyBody>(appId, keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', grantTypesToBeSupported: oauthGrants }));
      expect(production.status).toBe(200);
      await expectAcceptedToken(await passwordGrant(production.body.consumerKey, production.body.consumerSecret));
    });

    it('testInfiniteTokenAPITestCase', async () => {
      const appId = await addApplication('infiniteTokenTestAPI-Application', 'test app for Infinite Token API invocation', 'JWT');
      const keys = (expiry: string, keyType: 'SANDBOX' | 'PRODUCTION') =>
        store.generateKeysPost<ErrorBody>(
          appId,
          keyGenerateDto({ keyType, validityTime: '3600', grantTypesToBeSupported: ['password', 'client_credentials'], additionalProperties: { application_access_token_expiry_time: expiry } }),
        );
      const negative = await keys('-1', 'SANDBOX');
      expect(negative.status).toBe(400);
      expect(negative.body).toMatchObject({ code: 900970, message: 'Invalid application additional properties' });
      expect(negative.body.description).toContain('Application configuration values cannot have negative values');
      // Differs from WSO2 (docs/devportal.md, WSO2 compatibility): WSO2 issues tokens that never expire for
      // Long.MAX_VALUE; here a lifetime is at most a year and this is refused with the same ErrorDTO code.
      for (const keyType of ['SANDBOX', 'PRODUCTION'] as const) {
        const infinite = await keys(String(2n ** 63n - 1n), keyType);
        expect(infinite.status).toBe(400);
        expect(infinite.body).toMatchObject({ code: 900970, message: 'Invalid application additional properties' });
        expect(infinite.body.description).toContain('application_access_token_expiry_time must be from 1 to');
      }
    });
  });
}
