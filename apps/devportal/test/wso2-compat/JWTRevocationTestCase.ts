// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/jwt/JWTRevocationTestCase.java
// Run by tokens.spec.ts, on the stack it shares with TokenAPITestCase and token_revocation.feature.
//
// The gateway calls (200 before the revocation; polled until 401 after it, as the revocation event reaches
// the gateway) are introspection at the Key Manager here, which is what a gateway asks: active, then not —
// at once, with no event to wait for. Left out: the API publication and subscription of setEnvironment (no
// publisher, subscriptions or gateway).
import { describe, expect, it } from '@jest/globals';
import type { CompatStack } from './compat-stack.js';
import { introspectAsAdmin, jwtClaim, postWithClientCredentials } from './token-request.js';
import { applicationDto, keyGenerateDto } from './wso2-store-client.js';

export function jwtRevocationTestCase(compatStack: () => CompatStack): void {
  describe('JWTRevocationTestCase', () => {
    it('testJWTTokenRevocation', async () => {
      const km = compatStack().stack.keyManager;
      const store = await compatStack().clientFor('jwt-revocation-admin');
      // setEnvironment: createApplication(APP_NAME, "This is a test Application", UNLIMITED, JWT), then
      // generateKeys(appId, DEFAULT_TOKEN_VALIDITY_TIME "3600", null, PRODUCTION, null, [client_credentials]).
      const app = await store.applicationsPost<{ applicationId: string }>(
        applicationDto({ name: 'JWTTokenRevocationTest-Application', description: 'This is a test Application', throttlingPolicy: 'Unlimited', tokenType: 'JWT' }),
      );
      expect(app.status).toBe(201);
      const keys = await store.generateKeysPost<{ consumerKey: string; consumerSecret: string; token: { accessToken: string } }>(
        app.body.applicationId,
        keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', grantTypesToBeSupported: ['client_credentials'] }),
      );
      expect(keys.status).toBe(200);
      const accessToken = keys.body.token.accessToken;
      expect(jwtClaim(accessToken, 'jti')).toEqual(expect.any(String));

      expect((await introspectAsAdmin(km, accessToken)).active).toBe(true);
      // POST oauth2/revoke with Basic consumerKey:consumerSecret and "token=" + accessToken.
      const revoked = await postWithClientCredentials(`${km.baseUrl}/oauth2/revoke`, keys.body.consumerKey, keys.body.consumerSecret, `token=${accessToken}`);
      expect(revoked.status).toBe(200);
      expect((await introspectAsAdmin(km, accessToken)).active).toBe(false);
    });
  });
}
