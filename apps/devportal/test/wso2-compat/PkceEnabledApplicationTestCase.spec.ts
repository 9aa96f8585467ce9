// Ports wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c
//   all-in-one-apim/modules/integration/tests-integration/tests-backend/src/test/java/org/wso2/am/integration/tests/application/PkceEnabledApplicationTestCase.java
// (RestAPIStoreImpl.generateKeysWithAdditionalProperties), sent as WSO2's generated client sends it, and goes
// one step further than WSO2's test: the flags are proven at the authorization endpoint, not only echoed.
//
// Differs deliberately: WSO2 answers a first application token even for a key with only the
// authorization_code grant; here `token` comes only with client_credentials (docs/devportal.md), so the
// `getToken().getAccessToken()` assertions are left out. testApplicationCreationKeyGenerationWithPkcePlainTextByPassSecret:
// bypassClientCredentials=true is refused with the reason (public clients are registered through DCR with
// ext_public_client). Left out: the API publication and subscription of setEnvironment (needs a publisher).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { signInAndAuthorize } from '../../../key-manager/test/km-test.helpers.js';
import { startCompatStack, type CompatStack } from './compat-stack.js';
import { applicationDto, keyGenerateDto, type Wso2StoreClient } from './wso2-store-client.js';

// Each file starts a Key Manager and a portal: generous for a loaded machine.
jest.setTimeout(180_000);

const CALLBACK_URL = 'http://localhost:9443/store/';
const grantTypes = ['authorization_code'];
const USER = 'pkce-user';
const PASSWORD = `${USER} has a long password 1`;

let compat: CompatStack;
let store: Wso2StoreClient;

interface KeyBody {
  consumerKey: string;
  consumerSecret: string;
  additionalProperties: Record<string, unknown>;
}

async function keysWith(name: string, additionalProperties: Record<string, unknown>) {
  const app = await store.applicationsPost<{ applicationId: string }>(applicationDto({ name, description: 'Test Application', throttlingPolicy: 'Unlimited' }));
  expect(app.status).toBe(201);
  return store.generateKeysPost<KeyBody>(
    app.body.applicationId,
    keyGenerateDto({ keyType: 'PRODUCTION', validityTime: '3600', callbackUrl: CALLBACK_URL, grantTypesToBeSupported: grantTypes, additionalProperties }),
  );
}

function authorizeUrl(clientId: string, extra: Record<string, string> = {}): URL {
  const url = new URL('/oauth2/authorize', compat.stack.keyManager.baseUrl);
  url.search = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK_URL, ...extra }).toString();
  return url;
}

async function tokenWithCode(key: KeyBody, code: string, verifier: string): Promise<Response> {
  return fetch(`${compat.stack.keyManager.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK_URL, client_id: key.consumerKey, client_secret: key.consumerSecret, code_verifier: verifier }),
  });
}

beforeAll(async () => {
  compat = await startCompatStack('pkce');
  store = await compat.clientFor(USER);
});

afterAll(async () => {
  await compat?.stop();
});

describe('PkceEnabledApplicationTestCase', () => {
  it('testApplicationCreationKeyGenerationWithPkce', async () => {
    const keys = await keysWith('PkceApp1', { pkceMandatory: 'true' });
    expect(keys.status).toBe(200);
    expect(keys.body.additionalProperties['pkceMandatory']).toBe(true);
    expect(keys.body.additionalProperties['pkceSupportPlain']).toBe(false);
    expect(keys.body.additionalProperties['bypassClientCredentials']).toBe(false);
    expect(keys.body.consumerKey).toBeTruthy();
    expect(keys.body.consumerSecret).toBeTruthy();

    // pkceMandatory at the Key Manager: no challenge, WSO2's error; an S256 challenge, a token.
    const refused = await signInAndAuthorize(authorizeUrl(keys.body.consumerKey), USER, PASSWORD);
    expect(refused.location).toContain('error=invalid_request');
    expect(new URL(refused.location!).searchParams.get('error_description')).toBe(
      'PKCE is mandatory for this application. PKCE Challenge is not provided or is not upto RFC 7636 specification.',
    );
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const granted = await signInAndAuthorize(authorizeUrl(keys.body.consumerKey, { code_challenge: challenge, code_challenge_method: 'S256' }), USER, PASSWORD);
    const code = new URL(granted.location!).searchParams.get('code');
    expect(code).toBeTruthy();
    expect((await tokenWithCode(keys.body, code!, verifier)).status).toBe(200);
    // plain is not allowed for this application.
    const plain = await signInAndAuthorize(authorizeUrl(keys.body.consumerKey, { code_challenge: verifier, code_challenge_method: 'plain' }), USER, PASSWORD);
    expect(plain.location).toContain('error=invalid_request');
  });

  it('testApplicationCreationKeyGenerationWithPkcePlainText', async () => {
    const keys = await keysWith('PkceApp2', { pkceMandatory: 'true', pkceSupportPlain: 'true' });
    expect(keys.status).toBe(200);
    expect(keys.body.additionalProperties['pkceMandatory']).toBe(true);
    expect(keys.body.additionalProperties['pkceSupportPlain']).toBe(true);
    expect(keys.body.additionalProperties['bypassClientCredentials']).toBe(false);

    // pkceSupportPlain at the Key Manager: a plain challenge is the verifier itself.
    const verifier = randomBytes(32).toString('base64url');
    const granted = await signInAndAuthorize(authorizeUrl(keys.body.consumerKey, { code_challenge: verifier, code_challenge_method: 'plain' }), USER, PASSWORD);
    const code = new URL(granted.location!).searchParams.get('code');
    expect(code).toBeTruthy();
    expect((await tokenWithCode(keys.body, code!, `${verifier}x`)).status).toBe(400);
    const again = await signInAndAuthorize(authorizeUrl(keys.body.consumerKey, { code_challenge: verifier, code_challenge_method: 'plain' }), USER, PASSWORD);
    expect((await tokenWithCode(keys.body, new URL(again.location!).searchParams.get('code')!, verifier)).status).toBe(200);
  });

  it('testApplicationCreationKeyGenerationWithPkcePlainTextByPassSecret', async () => {
    const keys = await keysWith('PkceApp3', { pkceMandatory: 'true', pkceSupportPlain: 'true', bypassClientCredentials: 'true' });
    expect(keys.status).toBe(400);
    expect(keys.text).toContain('bypassClientCredentials=true is not supported for portal keys');
  });

  it('refuses bad additional properties with ErrorDTO 900970, as AMDefaultKeyManagerImpl does', async () => {
    const notBoolean = await keysWith('PkceApp4', { pkceMandatory: 'yes' });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body).toMatchObject({
      code: 900970,
      message: 'Invalid application additional properties',
      description: 'Invalid additional properties. Application configuration values cannot have negative values.',
    });
    const notNumber = await keysWith('PkceApp5', { application_access_token_expiry_time: 'soon' });
    expect(notNumber.body).toMatchObject({ code: 900970, description: 'Invalid additional properties. Application configuration values cannot have string values.' });
    const negative = await keysWith('PkceApp6', { user_access_token_expiry_time: '-5' });
    expect(negative.body).toMatchObject({ code: 900970, description: 'Invalid additional properties. Application configuration values cannot have negative values.' });
    const lifetime = await keysWith('PkceApp7', { application_access_token_expiry_time: '1200', user_access_token_expiry_time: 'N/A', id_token_expiry_time: '' });
    expect(lifetime.status).toBe(200);
    expect(lifetime.body.additionalProperties['application_access_token_expiry_time']).toBe(1200);
  });
});
