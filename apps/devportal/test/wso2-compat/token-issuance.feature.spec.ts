// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/key-manager/token_issuance.feature
// Keys through WSO2's generated client (wso2-store-client.ts); tokens at this Key Manager's /oauth2/token.
//
// Left out: the tenant1.com examples (no tenants); "Re-issue an access token via refresh token and invoke"
// and "Issue a sandbox-scoped token and invoke" are ported up to the token (the gateway invocation needs a
// gateway); the authorization-code and consent-page scenarios drive WSO2 Identity Server's login pages
// (tested against this Key Manager's own page in apps/key-manager/test/oauth-flows.spec.ts); the implicit
// grant is refused here (RFC 9700); shared-scope scenarios need a publisher. Differs deliberately: "An
// authorization request with a missing/unregistered redirect URI" — WSO2 redirects to its error page with
// invalid_callback; this Key Manager answers an HTML 400 page and never redirects to an unverified URI
// (RFC 9700 §4.1), which the ported test asserts; a missing redirect_uri is accepted when the client registered
// exactly one exact URI (RFC 6749 §3.1.2.3), so the "missing" example is left out.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { applicationDto, keyGenerateDto, unique, type Wso2StoreClient } from './wso2-store-client.js';

// Each file starts a Key Manager and a portal: generous for a loaded machine.
jest.setTimeout(180_000);

const USER = 'token-admin';
const PASSWORD = `${USER} has a long password 1`;

let compat: CompatStack;
let admin: Wso2StoreClient;

interface KeyBody {
  consumerKey: string;
  consumerSecret: string;
}

async function keys(payload: Record<string, unknown>): Promise<KeyBody> {
  const app = await admin.applicationsPost<{ applicationId: string }>(applicationDto({ name: unique('APIMTestApp'), throttlingPolicy: 'Unlimited', description: 'Test application for scenarios' }));
  expect(app.status).toBe(201);
  const generated = await admin.generateKeysPost<KeyBody>(app.body.applicationId, keyGenerateDto(payload as never));
  expect(generated.status).toBe(200);
  return generated.body;
}

async function token(key: KeyBody, params: Record<string, string>, authorization = `Basic ${Buffer.from(`${key.consumerKey}:${key.consumerSecret}`).toString('base64')}`) {
  const response = await fetch(`${compat.stack.keyManager.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

beforeAll(async () => {
  compat = await startCompatStack('token-issuance');
  admin = await compat.clientFor(USER);
});

afterAll(async () => {
  await compat?.stop();
});

describe('key-manager/token_issuance.feature', () => {
  it('Generate a production OAuth token in JWT format as admin', async () => {
    const key = await keys({ keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password'] });
    const issued = await token(key, { grant_type: 'password', username: USER, password: PASSWORD, scope: 'PRODUCTION' });
    expect(issued.status).toBe(200);
    const accessToken = (JSON.parse(issued.text) as { access_token: string }).access_token;
    // "The generated access token should be in JWT format": three base64url parts.
    expect(accessToken.split('.')).toHaveLength(3);
  });

  it('Generate an OpenID-scoped token and call userinfo as admin', async () => {
    const key = await keys({ keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password'] });
    const issued = await token(key, { grant_type: 'password', username: USER, password: PASSWORD, scope: 'openid' });
    expect(issued.status).toBe(200);
    expect(issued.text).toContain('openid');
    const accessToken = (JSON.parse(issued.text) as { access_token: string }).access_token;
    const userinfo = await fetch(`${compat.stack.keyManager.baseUrl}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(userinfo.status).toBe(200);
  });

  it('Re-issue an access token via refresh token as admin (up to the gateway invocation)', async () => {
    const key = await keys({ keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password', 'refresh_token'] });
    const issued = await token(key, { grant_type: 'password', username: USER, password: PASSWORD, scope: 'PRODUCTION' });
    expect(issued.status).toBe(200);
    const refreshToken = (JSON.parse(issued.text) as { refresh_token: string }).refresh_token;
    const renewed = await token(key, { grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(renewed.status).toBe(200);
  });

  it('Issue a sandbox-scoped token as admin (up to the gateway invocation)', async () => {
    const key = await keys({ keyType: 'SANDBOX', grantTypesToBeSupported: ['client_credentials', 'password', 'refresh_token'] });
    expect((await token(key, { grant_type: 'password', username: USER, password: PASSWORD, scope: 'SANDBOX' })).status).toBe(200);
  });

  it('A corrupted client credential is refused at the token endpoint as admin', async () => {
    const key = await keys({ keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password'] });
    const credentials = Buffer.from(`${key.consumerKey}:${key.consumerSecret}`).toString('base64');
    const refused = await token(key, { grant_type: 'client_credentials' }, `Basic ${credentials.slice(0, -2)}`);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('invalid_client');
    expect(refused.text).toContain('Client credentials are invalid.');
    expect(refused.headers.get('www-authenticate')).toContain('Basic realm=');
  });

  it('An authorization request with an unregistered redirect URI is refused as admin (an HTML 400 page here, never a redirect)', async () => {
    const key = await keys({
      keyType: 'PRODUCTION',
      grantTypesToBeSupported: ['client_credentials', 'password', 'authorization_code'],
      callbackUrl: 'http://localhost:8490/callback',
      scopes: ['default'],
    });
    for (const redirectUri of ['http://localhost:8490/not-my-callback']) {
      const url = new URL('/oauth2/authorize', compat.stack.keyManager.baseUrl);
      url.search = new URLSearchParams({ response_type: 'code', client_id: key.consumerKey, redirect_uri: redirectUri }).toString();
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
  });
});
