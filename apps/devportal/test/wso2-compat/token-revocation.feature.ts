// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/key-manager/token_revocation.feature
// with the step definitions of cucumbertests/stepdefinitions/ApplicationBaseSteps.java (the password grant and
// revoke steps: HTTP Basic with the application's consumer key and secret, form bodies). Run by tokens.spec.ts,
// on the stack it shares with TokenAPITestCase and JWTRevocationTestCase.
//
// Scenario 1 is ported for the admin actor, up to the gateway: "invoke … until 200 / until 401" is
// introspection at the Key Manager (what a gateway asks), active and then inactive. Left out: the API
// creation, publication and subscription steps (no publisher or gateway); the `admin@tenant1.com` rows (no
// tenants); scenarios 2 and 3 (a one-time token revoked by the gateway's `revokeOneTimeToken` operation
// policy as it passes through: a gateway feature).
import { describe, expect, it } from '@jest/globals';
import { passwordOf, type CompatStack } from './compat-stack.js';
import { introspectAsAdmin, postWithClientCredentials } from './token-request.js';
import { applicationDto, keyGenerateDto, unique } from './wso2-store-client.js';

export function tokenRevocationFeature(compatStack: () => CompatStack): void {
  describe('Feature: Key Manager Token Revocation', () => {
    it('Scenario: Revoke an access token and verify invocation is blocked as admin', async () => {
      const km = compatStack().stack.keyManager;
      const actor = 'revocation-admin';
      const store = await compatStack().clientFor(actor);
      // create_apim_test_app.json, then generate-keys with the scenario's payload.
      const app = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name: unique('TestApp'), throttlingPolicy: 'Unlimited', description: 'Test application' }));
      expect(app.status).toBe(201);
      const keys = await store.generateKeysPost<{ consumerKey: string; consumerSecret: string }>(
        app.body.applicationId,
        keyGenerateDto({ keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password', 'refresh_token'] }),
      );
      expect(keys.status).toBe(200);
      const { consumerKey, consumerSecret } = keys.body;
      // "I request an OAuth access token for the current user using password grant with scope PRODUCTION"
      const token = await postWithClientCredentials(
        `${km.baseUrl}/oauth2/token`,
        consumerKey,
        consumerSecret,
        `grant_type=password&username=${encodeURIComponent(actor)}&password=${encodeURIComponent(passwordOf(actor))}&scope=PRODUCTION`,
      );
      expect(token.status).toBe(200);
      const generatedAccessToken = token.body['access_token'] as string;
      expect((await introspectAsAdmin(km, generatedAccessToken)).active).toBe(true);
      // "I revoke the OAuth access token generatedAccessToken"
      const revoked = await postWithClientCredentials(`${km.baseUrl}/oauth2/revoke`, consumerKey, consumerSecret, `token=${encodeURIComponent(generatedAccessToken)}`);
      expect(revoked.status).toBe(200);
      expect((await introspectAsAdmin(km, generatedAccessToken)).active).toBe(false);
    });
  });
}
