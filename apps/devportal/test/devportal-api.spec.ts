// The portal's HTTP API as a client sees it, against a real Key Manager on a private NATS and the local
// PostgreSQL: validation, authentication, isolation between users, conflicts, pagination, the OpenAPI
// document and readiness.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { devportalApi, signUpAndLogIn, startStackForTest, type StackUnderTest } from '../../../test/support/devportal.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../../../test/support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';

jest.setTimeout(60_000);

interface ErrorBody {
  code: number;
  message: string;
  description: string;
  error?: Array<{ code: string; message: string }>;
}

const MISSING_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;
let call: ReturnType<typeof devportalApi>;
let km: KeyManagerOAuth;
let alice: string;
let bob: string;

/** Creates an application for `token` and returns its id. */
async function createApplication(token: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await call<{ applicationId: string }>('POST', '/applications', { token, json: { name, ...extra } });
  expect(created.status).toBe(201);
  return created.body.applicationId;
}

beforeAll(async () => {
  tmp = await makeTempDir('devportal-api-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  // A small body limit makes "too large" cheap to send.
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, toml: { 'devportal.server': { body_limit: 4096 } } });
  call = devportalApi(stack.devportal.apiUrl);
  km = await keyManagerOAuth(stack.keyManager.baseUrl);
  alice = await signUpAndLogIn(stack.devportal.apiUrl, 'alice', 'alice has a long password 1');
  bob = await signUpAndLogIn(stack.devportal.apiUrl, 'bob', 'bob has a long password 2');
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

describe('sign-up and log-in', () => {
  it('refuses a weak password with the reason, and a taken name with 409', async () => {
    const weak = await call<ErrorBody>('POST', '/signup', { json: { username: 'carol', password: 'abc' } });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ code: 400, message: 'Bad Request' });
    expect(weak.body.description).toMatch(/password/i);
    const taken = await call<ErrorBody>('POST', '/signup', { json: { username: 'alice', password: 'another long password 4' } });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe(409);
  });

  it('refuses an invalid user name before asking the Key Manager', async () => {
    const bad = await call<ErrorBody>('POST', '/signup', { json: { username: 'a b', password: 'a long enough password 5' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.[0]?.message).toMatch(/^username/);
  });

  it('answers 401 to a wrong password, and a token set to a right one', async () => {
    expect((await call('POST', '/login', { json: { username: 'alice', password: 'not her password' } })).status).toBe(401);
    const ok = await call<Record<string, unknown>>('POST', '/login', { json: { username: 'alice', password: 'alice has a long password 1' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), expires_in: expect.any(Number) });
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });
});

describe('renewing and ending a log-in', () => {
  type Login = { access_token: string; refresh_token: string; expires_in: number };
  const password = 'erin has a long password 6';

  beforeAll(async () => {
    expect((await call('POST', '/signup', { json: { username: 'erin', password } })).status).toBe(201);
  });

  async function logIn(): Promise<Login> {
    const res = await call<Login>('POST', '/login', { json: { username: 'erin', password } });
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    return res.body;
  }

  it('renews a log-in with its refresh token: new tokens work, the old refresh token is refused and ends the session', async () => {
    const first = await logIn();
    const renewed = await call<Login>('POST', '/login/refresh', { json: { refresh_token: first.refresh_token } });
    expect(renewed.status).toBe(200);
    expect(renewed.headers.get('cache-control')).toBe('no-store');
    expect(renewed.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(renewed.body.access_token).not.toBe(first.access_token);
    expect(renewed.body.refresh_token).not.toBe(first.refresh_token);
    // The old access token was never used here, so no cache hides that it is gone.
    expect((await call('GET', '/applications', { token: first.access_token })).status).toBe(401);

    // A rotated refresh token presented again: refused, and the whole chain is revoked (RFC 9700 §4.14.2).
    const reused = await call<ErrorBody>('POST', '/login/refresh', { json: { refresh_token: first.refresh_token } });
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ code: 401, description: expect.stringMatching(/already used/) });
    expect((await call('GET', '/applications', { token: renewed.body.access_token })).status).toBe(401);
    expect((await call('POST', '/login/refresh', { json: { refresh_token: renewed.body.refresh_token } })).status).toBe(401);
  });

  it('refuses an unknown refresh token, an access token, and a refresh token of another client', async () => {
    const session = await logIn();
    for (const refresh_token of ['not-a-refresh-token', session.access_token]) {
      const res = await call<ErrorBody>('POST', '/login/refresh', { json: { refresh_token } });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(401);
    }
    const appId = await createApplication(alice, 'refresh-checks');
    const keys = await call<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['password', 'refresh_token'] },
    });
    const elsewhere = await km.password(keys.body.consumerKey, keys.body.consumerSecret, 'erin', password);
    expect((await call('POST', '/login/refresh', { json: { refresh_token: elsewhere.refresh_token } })).status).toBe(401);
    // ...and that refusal did not touch the other client's session.
    expect((await km.refresh(keys.body.consumerKey, keys.body.consumerSecret, elsewhere.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('checks the refresh body: the field is required, and nothing else is accepted', async () => {
    expect((await call<ErrorBody>('POST', '/login/refresh', { json: {} })).status).toBe(400);
    expect((await call<ErrorBody>('POST', '/login/refresh', { json: { refresh_token: 'x', password } })).status).toBe(400);
    expect((await call<ErrorBody>('POST', '/login/refresh', { json: { refresh_token: 7 } })).status).toBe(400);
  });

  it('logs out with the bearer token: it stops working at once (even cached) and so does the refresh token', async () => {
    const session = await logIn();
    expect((await call('GET', '/applications', { token: session.access_token })).status).toBe(200);
    const out = await call('POST', '/logout', { token: session.access_token });
    expect(out.status).toBe(204);
    expect((await call('GET', '/applications', { token: session.access_token })).status).toBe(401);
    expect((await call('POST', '/login/refresh', { json: { refresh_token: session.refresh_token } })).status).toBe(401);
    // Logging out twice is not an error (RFC 7009: revoking an unknown token succeeds).
    expect((await call('POST', '/logout', { token: session.access_token })).status).toBe(204);
  });

  it('logs out with the refresh token alone, as when the access token has expired', async () => {
    const session = await logIn();
    expect((await call('POST', '/logout', { json: { refresh_token: session.refresh_token } })).status).toBe(204);
    expect((await call('POST', '/login/refresh', { json: { refresh_token: session.refresh_token } })).status).toBe(401);
    expect((await call('GET', '/applications', { token: session.access_token })).status).toBe(401);
  });

  it("cannot log another client's token out, and needs a token to log out at all", async () => {
    const appId = await createApplication(alice, 'logout-checks');
    const keys = await call<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
    });
    const appToken = await km.clientCredentials(keys.body.consumerKey, keys.body.consumerSecret);
    expect((await call('POST', '/logout', { token: appToken.access_token })).status).toBe(204);
    expect(await km.introspect({ clientId: keys.body.consumerKey, clientSecret: keys.body.consumerSecret }, appToken.access_token)).toMatchObject({ active: true });

    const none = await call<ErrorBody>('POST', '/logout');
    expect(none.status).toBe(400);
    expect(none.body.description).toMatch(/Bearer|refresh_token/);
    expect((await call('POST', '/logout', { headers: { authorization: 'Basic YWxpY2U6cHc=' } })).status).toBe(401);
  });
});

describe('authentication', () => {
  it('answers 401 with a Bearer challenge without a token', async () => {
    const res = await call<ErrorBody>('GET', '/applications');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toMatchObject({ code: 401, message: 'Unauthorized' });
  });

  it('answers 401 invalid_token to an unknown token and to a non-bearer header', async () => {
    const unknown = await call('GET', '/applications', { token: 'not-a-real-token' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const basic = await call('GET', '/applications', { headers: { authorization: 'Basic YWxpY2U6cHc=' } });
    expect(basic.status).toBe(401);
  });

  it("refuses an application's tokens: a client_credentials token, and a user token issued to another client", async () => {
    const appId = await createApplication(alice, 'token-checks');
    const keys = await call<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password'] },
    });
    expect(keys.status).toBe(200);
    const appToken = await km.clientCredentials(keys.body.consumerKey, keys.body.consumerSecret);
    expect((await call('GET', '/applications', { token: appToken.access_token })).status).toBe(401);
    // Alice's password given to some application yields her user token for THAT client: not a portal log-in.
    const userToken = await km.password(keys.body.consumerKey, keys.body.consumerSecret, 'alice', 'alice has a long password 1');
    expect((await call('GET', '/applications', { token: userToken.access_token })).status).toBe(401);
  });
});

describe('validation', () => {
  it('refuses fields that are in no WSO2 DTO instead of dropping them, naming them', async () => {
    const res = await call<ErrorBody>('POST', '/applications', { token: alice, json: { name: 'extra-field', ownerName: 'bob' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual([{ code: 'whitelistValidation', message: 'property ownerName should not exist' }]);
    const listed = await call<{ list: Array<{ name: string }> }>('GET', '/applications', { token: alice });
    expect(listed.body.list.map((a) => a.name)).not.toContain('extra-field');
  });

  it('refuses wrong types and values, one problem per field', async () => {
    const res = await call<ErrorBody>('POST', '/applications', { token: alice, json: { name: 42, tokenType: 'SAML', throttlingPolicy: 'Gold' } });
    expect(res.status).toBe(400);
    expect(res.body.error?.map((e) => e.message.split(' ')[0]).sort()).toEqual(['name', 'throttlingPolicy', 'tokenType']);
  });

  it('refuses a body that is not a JSON object, malformed JSON, a wrong content type and an oversized body, all as WSO2 errors', async () => {
    const array = await call<ErrorBody>('POST', '/applications', { token: alice, json: [{ name: 'x' }] });
    expect(array.status).toBe(400);
    expect(array.body.description).toBe('the request body must be a JSON object');
    const none = await call<ErrorBody>('POST', '/applications', { token: alice });
    expect(none.status).toBe(400);
    const malformed = await call<ErrorBody>('POST', '/applications', { token: alice, raw: '{"name": "x",', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 400, message: 'Bad Request', description: 'The request body is not valid JSON.' });
    const text = await call<ErrorBody>('POST', '/applications', { token: alice, raw: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe(415);
    const form = await call('POST', '/applications', { token: alice, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const big = await call<ErrorBody>('POST', '/applications', { token: alice, json: { name: 'big', description: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 413, message: 'Payload Too Large' });
  });

  // Issue 16 item 6: each message says what is wrong, not a rule the value happened to break first.
  it('says what is wrong: a limit that is not a number, a missing password, an empty name, every broken password rule', async () => {
    const limit = await call<ErrorBody>('GET', '/applications?limit=abc', { token: alice });
    expect(limit.status).toBe(400);
    expect(limit.body.description).toBe('limit must be a whole number');
    expect((await call<ErrorBody>('GET', '/applications?limit=500', { token: alice })).body.description).toBe('limit must be at most 100');
    const noPassword = await call<ErrorBody>('POST', '/login', { json: { username: 'alice' } });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.description).toBe('password is required');
    const emptyName = await call<ErrorBody>('POST', '/applications', { token: alice, json: { name: '' } });
    expect(emptyName.status).toBe(400);
    expect(emptyName.body.description).toBe('name must not be empty');
    const spaced = await call<ErrorBody>('POST', '/applications', { token: alice, json: { name: ' padded ' } });
    expect(spaced.body.description).toMatch(/^Application name cannot contain leading or trailing white spaces/);
    const weak = await call<ErrorBody>('POST', '/signup', { json: { username: 'weakling', password: 'abc' } });
    expect(weak.status).toBe(400);
    expect(weak.body.description).toContain('the password must be at least 8 characters long and contain a digit');
  });

  it('refuses ids that are not UUIDs with 400, and unknown paths with a WSO2 404', async () => {
    const badApp = await call<ErrorBody>('GET', '/applications/not-a-uuid', { token: alice });
    expect(badApp.status).toBe(400);
    expect(badApp.body.description).toBe('applicationId must be a UUID');
    const badKey = await call<ErrorBody>('GET', `/applications/${MISSING_ID}/oauth-keys/1234`, { token: alice });
    expect(badKey.status).toBe(400);
    const nowhere = await call<ErrorBody>('GET', '/nowhere', { token: alice });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.code).toBe(404);
  });

  it('checks key requests: grant types, callback URL for the code grant, validity as number or numeric string', async () => {
    const appId = await createApplication(alice, 'key-validation');
    const unknownGrant = await call<ErrorBody>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['implicit'] },
    });
    expect(unknownGrant.status).toBe(400);
    // WSO2's portal offers implicit; this one says why it does not.
    expect(unknownGrant.body.description).toMatch(/implicit grant is not supported: RFC 9700/);
    const codeWithoutCallback = await call<ErrorBody>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['authorization_code'] },
    });
    expect(codeWithoutCallback.status).toBe(400);
    expect(codeWithoutCallback.body.description).toBe('The callback url must have at least one URI value when using Authorization code or implicit grant types.');
    const ok = await call<{ callbackUrl: string; token?: unknown }>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'SANDBOX', grantTypesToBeSupported: ['authorization_code'], callbackUrl: 'https://app.example.com/cb', validityTime: '1800' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.callbackUrl).toBe('https://app.example.com/cb');
    // No client_credentials: no first token, and generate-token is refused.
    expect(ok.body.token).toBeUndefined();
  });

  it('offers the jwt-bearer, token-exchange and device code grants at key generation', async () => {
    const appId = await createApplication(alice, 'extension-grants');
    const grants = ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:device_code'];
    const generated = await call<{ supportedGrantTypes: string[] }>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: grants },
    });
    expect(generated.status).toBe(200);
    expect(generated.body.supportedGrantTypes).toEqual(grants);
  });
});

describe("another user's resources", () => {
  let appId: string;
  let keyMappingId: string;
  let consumerSecret: string;

  beforeAll(async () => {
    appId = await createApplication(alice, 'alice-private');
    const keys = await call<{ keyMappingId: string; consumerSecret: string }>('POST', `/applications/${appId}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
    });
    ({ keyMappingId, consumerSecret } = keys.body);
  });

  it("answers 404 for Alice's application to Bob, exactly as for one that does not exist", async () => {
    const hers = await call<ErrorBody>('GET', `/applications/${appId}`, { token: bob });
    const none = await call<ErrorBody>('GET', `/applications/${MISSING_ID}`, { token: bob });
    expect(hers.status).toBe(404);
    expect(none.status).toBe(404);
    expect(hers.body.description.replace(appId, 'ID')).toBe(none.body.description.replace(MISSING_ID, 'ID'));
    expect((await call('PUT', `/applications/${appId}`, { token: bob, json: { description: 'mine now' } })).status).toBe(404);
    expect((await call('DELETE', `/applications/${appId}`, { token: bob })).status).toBe(404);
    expect((await call('POST', `/applications/${appId}/generate-keys`, { token: bob, json: { keyType: 'SANDBOX', grantTypesToBeSupported: ['client_credentials'] } })).status).toBe(404);
    const list = await call<{ list: Array<{ applicationId: string }> }>('GET', '/applications', { token: bob });
    expect(list.body.list.map((a) => a.applicationId)).not.toContain(appId);
  });

  it("answers 404 for Alice's keys to Bob, and gives him neither her secret nor a token", async () => {
    for (const [method, path, json] of [
      ['GET', `/applications/${appId}/oauth-keys`, undefined],
      ['GET', `/applications/${appId}/oauth-keys/${keyMappingId}`, undefined],
      ['PUT', `/applications/${appId}/oauth-keys/${keyMappingId}`, { supportedGrantTypes: ['password'] }],
      ['POST', `/applications/${appId}/oauth-keys/${keyMappingId}/regenerate-secret`, undefined],
      ['POST', `/applications/${appId}/oauth-keys/${keyMappingId}/generate-token`, { consumerSecret }],
      ['DELETE', `/applications/${appId}/oauth-keys/${keyMappingId}`, undefined],
    ] as const) {
      const res = await call(method, path, { token: bob, ...(json ? { json } : {}) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(res.text).not.toContain(consumerSecret);
    }
    // Still Alice's, unchanged.
    const mine = await call<{ consumerSecret: string; supportedGrantTypes: string[] }>('GET', `/applications/${appId}/oauth-keys/${keyMappingId}`, { token: alice });
    expect(mine.body).toMatchObject({ consumerSecret, supportedGrantTypes: ['client_credentials'] });
  });
});

describe('conflicts', () => {
  it('refuses a second application with the same name for the same owner, in any case, but not for another owner', async () => {
    await createApplication(alice, 'Weather App');
    const again = await call<ErrorBody>('POST', '/applications', { token: alice, json: { name: 'weather app' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe(409);
    await createApplication(bob, 'Weather App');
  });

  it('refuses renaming onto a taken name', async () => {
    const id = await createApplication(alice, 'Rename Me');
    const res = await call('PUT', `/applications/${id}`, { token: alice, json: { name: 'WEATHER APP' } });
    expect(res.status).toBe(409);
  });

  it('refuses a second key of the same type, and leaves the first one working', async () => {
    const id = await createApplication(alice, 'Twice Keys');
    const first = await call<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${id}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
    });
    const second = await call('POST', `/applications/${id}/generate-keys`, { token: alice, json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] } });
    expect(second.status).toBe(409);
    await expect(km.clientCredentials(first.body.consumerKey, first.body.consumerSecret)).resolves.toMatchObject({ access_token: expect.any(String) });
    const keys = await call<{ count: number }>('GET', `/applications/${id}/oauth-keys`, { token: alice });
    expect(keys.body.count).toBe(1);
  });
});

describe('applications', () => {
  it('pages the list with limit and offset, with links to the next and previous pages', async () => {
    const carol = await signUpAndLogIn(stack.devportal.apiUrl, 'carol', 'carol has a long password 3');
    for (const name of ['c-app-1', 'c-app-2', 'c-app-3']) await createApplication(carol, name);
    const first = await call<{ count: number; list: Array<{ name: string }>; pagination: Record<string, unknown> }>('GET', '/applications?limit=2', { token: carol });
    expect(first.body.count).toBe(2);
    expect(first.body.list.map((a) => a.name)).toEqual(['c-app-1', 'c-app-2']);
    expect(first.body.pagination).toEqual({ offset: 0, limit: 2, total: 3, next: '/applications?limit=2&offset=2', previous: '' });
    const second = await call<{ count: number; list: Array<{ name: string }>; pagination: Record<string, unknown> }>('GET', '/applications?limit=2&offset=2', { token: carol });
    expect(second.body.list.map((a) => a.name)).toEqual(['c-app-3']);
    expect(second.body.pagination).toMatchObject({ total: 3, next: '', previous: '/applications?limit=2&offset=0' });
    const all = await call<{ pagination: { limit: number } }>('GET', '/applications', { token: carol });
    expect(all.body.pagination.limit).toBe(25);
    expect((await call('GET', '/applications?limit=101', { token: carol })).status).toBe(400);
    expect((await call('GET', '/applications?limit=0', { token: carol })).status).toBe(400);
    expect((await call('GET', '/applications?offset=-1', { token: carol })).status).toBe(400);
    expect((await call('GET', '/applications?limit=abc', { token: carol })).status).toBe(400);
  });

  it('filters the list by a part of the name, in any case, as WSO2\'s query (LIKE %query%); %, _ and \\ are plain characters', async () => {
    const dave = await signUpAndLogIn(stack.devportal.apiUrl, 'dave', 'dave has a long password 4');
    for (const name of ['Weather app', 'my-weather-station', '100% pure', '100 percent', 'under_score', 'underXscore', 'back\\slash', 'Other']) await createApplication(dave, name);
    await createApplication(alice, 'Alice weather');
    type List = { count: number; list: Array<{ name: string }>; pagination: { total: number; next: string } };
    const names = async (query: string): Promise<string[]> => {
      const res = await call<List>('GET', `/applications?query=${encodeURIComponent(query)}`, { token: dave });
      expect(res.status).toBe(200);
      expect(res.body.pagination.total).toBe(res.body.count);
      return res.body.list.map((a) => a.name);
    };
    expect(await names('WEATHER')).toEqual(['my-weather-station', 'Weather app']);
    expect(await names('eath')).toEqual(['my-weather-station', 'Weather app']);
    expect(await names('weather app')).toEqual(['Weather app']);
    expect(await names('%')).toEqual(['100% pure']);
    expect(await names('_')).toEqual(['under_score']);
    expect(await names('\\')).toEqual(['back\\slash']);
    expect(await names('nothing like it')).toEqual([]);
    expect(await names('')).toHaveLength(8);
    // The count is of the matches, and the page links keep the query.
    const paged = await call<List>('GET', '/applications?query=e&limit=2', { token: dave });
    expect(paged.body.pagination).toMatchObject({ total: 7, next: '/applications?limit=2&offset=2&query=e' });
  });

  it('updates only the fields given, and shows keys without their secrets', async () => {
    const id = await createApplication(alice, 'Updatable', { description: 'before', throttlingPolicy: '10PerMin' });
    await call('POST', `/applications/${id}/generate-keys`, { token: alice, json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] } });
    const updated = await call<Record<string, unknown>>('PUT', `/applications/${id}`, { token: alice, json: { description: 'after', tokenType: 'OAUTH' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Updatable', description: 'after', throttlingPolicy: '10PerMin', tokenType: 'OAUTH' });
    // PUT validates like POST: fields in no WSO2 DTO and bad values are refused, and nothing changes;
    // WSO2's read-only owner is ignored.
    expect((await call('PUT', `/applications/${id}`, { token: alice, json: { ownerName: 'bob' } })).status).toBe(400);
    expect((await call('PUT', `/applications/${id}`, { token: alice, json: { owner: 'bob' } })).status).toBe(200);
    expect((await call('PUT', `/applications/${id}`, { token: alice, json: { name: '' } })).status).toBe(400);
    expect((await call('PUT', `/applications/${id}`, { token: alice, json: { tokenType: 'SAML' } })).status).toBe(400);
    const got = await call<{ name: string; owner: string; keys: Array<Record<string, unknown>> }>('GET', `/applications/${id}`, { token: alice });
    expect(got.body).toMatchObject({ name: 'Updatable', owner: 'alice' });
    expect(got.body.keys).toHaveLength(1);
    expect(got.body.keys[0]).not.toHaveProperty('consumerSecret');
  });

  it('changes grant types and callback URL of a key in the Key Manager', async () => {
    const id = await createApplication(alice, 'Grant Changes');
    const keys = await call<{ keyMappingId: string; consumerKey: string; consumerSecret: string }>('POST', `/applications/${id}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
    });
    const updated = await call<{ supportedGrantTypes: string[] }>('PUT', `/applications/${id}/oauth-keys/${keys.body.keyMappingId}`, {
      token: alice,
      json: { supportedGrantTypes: ['password'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.supportedGrantTypes).toEqual(['password']);
    // The Key Manager now refuses client_credentials for this client, and so does the portal's generate-token.
    const refused = await km.clientCredentials(keys.body.consumerKey, keys.body.consumerSecret).then(
      () => 'issued',
      () => 'refused',
    );
    expect(refused).toBe('refused');
    const portalToken = await call<ErrorBody>('POST', `/applications/${id}/oauth-keys/${keys.body.keyMappingId}/generate-token`, {
      token: alice,
      json: { consumerSecret: keys.body.consumerSecret },
    });
    expect(portalToken.status).toBe(400);
  });

  it('checks the consumer secret at generate-token and can revoke an earlier token', async () => {
    const id = await createApplication(alice, 'Token Button');
    const keys = await call<{ keyMappingId: string; consumerSecret: string; token: { accessToken: string } }>('POST', `/applications/${id}/generate-keys`, {
      token: alice,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
    });
    const path = `/applications/${id}/oauth-keys/${keys.body.keyMappingId}/generate-token`;
    const wrong = await call<ErrorBody>('POST', path, { token: alice, json: { consumerSecret: 'not the secret' } });
    expect(wrong.status).toBe(401);
    const rs = await km.registerClient(stack.keyManager.admin, { client_name: 'rs-token-button', grant_types: ['client_credentials'], ext_resource_server: true });
    expect((await km.introspect(rs, keys.body.token.accessToken)).active).toBe(true);
    const fresh = await call<{ accessToken: string; tokenScopes: string[]; validityTime: number }>('POST', path, {
      token: alice,
      json: { consumerSecret: keys.body.consumerSecret, validityPeriod: 120, revokeToken: keys.body.token.accessToken },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.validityTime).toBeLessThanOrEqual(120);
    expect((await km.introspect(rs, keys.body.token.accessToken)).active).toBe(false);
    expect((await km.introspect(rs, fresh.body.accessToken)).active).toBe(true);
  });

  it("registers generate-keys scopes as the client's: they are granted, others dropped, none gives default (issue #10 item 3)", async () => {
    const id = await createApplication(alice, 'Scoped Keys');
    const keys = await call<{ keyMappingId: string; consumerKey: string; consumerSecret: string; token: { accessToken: string; tokenScopes: string[] } }>(
      'POST',
      `/applications/${id}/generate-keys`,
      { token: alice, json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'], scopes: ['orders:read', 'orders:write'] } },
    );
    expect(keys.status).toBe(200);
    expect(keys.body.token.tokenScopes).toEqual(['orders:read', 'orders:write']);
    const path = `/applications/${id}/oauth-keys/${keys.body.keyMappingId}/generate-token`;
    const mixed = await call<{ accessToken: string; tokenScopes: string[] }>('POST', path, { token: alice, json: { consumerSecret: keys.body.consumerSecret, scopes: ['orders:read', 'admin'] } });
    expect(mixed.body.tokenScopes).toEqual(['orders:read']);
    const none = await call<{ tokenScopes: string[] }>('POST', path, { token: alice, json: { consumerSecret: keys.body.consumerSecret, scopes: ['admin', 'root'] } });
    expect(none.body.tokenScopes).toEqual(['default']);
    // The Key Manager's token endpoint applies the same registration.
    const direct = await km.clientCredentials(keys.body.consumerKey, keys.body.consumerSecret, 'orders:write root');
    expect(direct.scope).toBe('orders:write');

    // A key generated without scopes: its client may have none, whatever is asked.
    const plain = await call<{ keyMappingId: string; consumerSecret: string; token: { tokenScopes: string[] } }>('POST', `/applications/${id}/generate-keys`, {
      token: alice,
      json: { keyType: 'SANDBOX', grantTypesToBeSupported: ['client_credentials'] },
    });
    expect(plain.body.token.tokenScopes).toEqual(['default']);
    const asked = await call<{ tokenScopes: string[] }>('POST', `/applications/${id}/oauth-keys/${plain.body.keyMappingId}/generate-token`, {
      token: alice,
      json: { consumerSecret: plain.body.consumerSecret, scopes: ['orders:read'] },
    });
    expect(asked.body.tokenScopes).toEqual(['default']);
  });

  it('deletes one key: its client and tokens go, the application stays', async () => {
    const id = await createApplication(alice, 'Key Deletion');
    const keys = await call<{ keyMappingId: string; consumerKey: string }>('POST', `/applications/${id}/generate-keys`, {
      token: alice,
      json: { keyType: 'SANDBOX', grantTypesToBeSupported: ['client_credentials'] },
    });
    expect((await call('DELETE', `/applications/${id}/oauth-keys/${keys.body.keyMappingId}`, { token: alice })).status).toBe(200);
    expect(await km.clientStatus(stack.keyManager.admin, keys.body.consumerKey)).toBe(404);
    expect((await call('GET', `/applications/${id}/oauth-keys/${keys.body.keyMappingId}`, { token: alice })).status).toBe(404);
    expect((await call('GET', `/applications/${id}`, { token: alice })).status).toBe(200);
  });
});

describe('map-keys (an existing Key Manager client as application keys)', () => {
  const admin = () => stack.keyManager.admin;
  const register = (name: string, grantTypes = ['client_credentials']) => km.registerClient(admin(), { client_name: name, grant_types: grantTypes, ext_application_owner: 'admin' });
  const mapKeys = (token: string, id: string, json: Record<string, unknown>) => call<ErrorBody & Record<string, unknown>>('POST', `/applications/${id}/map-keys`, { token, json });

  it('maps a client proved by one of its secrets; the key works as generated keys do, and removing it leaves the client', async () => {
    const client = await register('mapped-own');
    const id = await createApplication(alice, 'Mapped Keys');
    const mapped = await mapKeys(alice, id, { consumerKey: client.clientId, consumerSecret: client.clientSecret, keyType: 'SANDBOX' });
    expect(mapped.status).toBe(200);
    expect(mapped.body).toMatchObject({ consumerKey: client.clientId, consumerSecret: client.clientSecret, keyType: 'SANDBOX', mode: 'MAPPED', keyManager: 'Resident Key Manager' });
    // client_credentials: the first token comes with it, as with generate-keys.
    expect((mapped.body['token'] as { accessToken: string }).accessToken).toEqual(expect.any(String));
    const keyMappingId = mapped.body['keyMappingId'] as string;
    const token = await call<{ accessToken: string }>('POST', `/applications/${id}/oauth-keys/${keyMappingId}/generate-token`, { token: alice, json: { consumerSecret: client.clientSecret } });
    expect(token.status).toBe(200);
    // The client was the user's before: deleting the key (or the application) does not delete it in the Key Manager.
    expect((await call('DELETE', `/applications/${id}/oauth-keys/${keyMappingId}`, { token: alice })).status).toBe(200);
    expect(await km.clientStatus(admin(), client.clientId)).toBe(200);
    await expect(km.clientCredentials(client.clientId, client.clientSecret)).resolves.toMatchObject({ access_token: expect.any(String) });
  });

  it('answers an unknown consumer key and a wrong secret alike (400), and never maps the portal client', async () => {
    const client = await register('mapped-wrong');
    const id = await createApplication(alice, 'Wrong Secret');
    const wrong = await mapKeys(alice, id, { consumerKey: client.clientId, consumerSecret: `${client.clientSecret}x`, keyType: 'PRODUCTION' });
    const unknown = await mapKeys(alice, id, { consumerKey: 'no-such-client-id', consumerSecret: client.clientSecret, keyType: 'PRODUCTION' });
    const portal = await mapKeys(alice, id, { consumerKey: 'apim-devportal', consumerSecret: 'anything', keyType: 'PRODUCTION' });
    for (const [res, key] of [[wrong, client.clientId], [unknown, 'no-such-client-id'], [portal, 'apim-devportal']] as const) {
      expect(res.status).toBe(400);
      expect(res.body.description).toBe(`The secret key is wrong for the given consumer key ${key}`);
      expect(res.text).not.toContain(client.clientSecret);
    }
    // A secret is required (WSO2's spec makes it optional): it is the proof that the client is the caller's.
    const noSecret = await mapKeys(alice, id, { consumerKey: client.clientId, keyType: 'PRODUCTION' });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.description).toContain('consumerSecret is required');
    expect((await call<{ count: number }>('GET', `/applications/${id}/oauth-keys`, { token: alice })).body.count).toBe(0);
  });

  it("refuses a client that is already another application's key (anyone's) with WSO2's 901409, after the secret is proved", async () => {
    const client = await register('mapped-twice');
    const first = await createApplication(alice, 'First Mapping');
    expect((await mapKeys(alice, first, { consumerKey: client.clientId, consumerSecret: client.clientSecret, keyType: 'PRODUCTION' })).status).toBe(200);
    const bobs = await createApplication(bob, 'Second Mapping');
    const again = await mapKeys(bob, bobs, { consumerKey: client.clientId, consumerSecret: client.clientSecret, keyType: 'PRODUCTION' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 901409, message: 'Key Mappings already exists' });
    // Without the secret, the same client is not confirmed to exist, let alone to be mapped.
    const guess = await mapKeys(bob, bobs, { consumerKey: client.clientId, consumerSecret: 'a guess', keyType: 'PRODUCTION' });
    expect(guess.status).toBe(400);
    // A client the portal generated is mapped already too.
    const generated = await call<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${first}/generate-keys`, { token: alice, json: { keyType: 'SANDBOX', grantTypesToBeSupported: ['client_credentials'] } });
    const stolen = await mapKeys(bob, bobs, { consumerKey: generated.body.consumerKey, consumerSecret: generated.body.consumerSecret, keyType: 'PRODUCTION' });
    expect(stolen.status).toBe(409);
    // Someone else's application is not found, whatever the body.
    expect((await mapKeys(bob, first, { consumerKey: client.clientId, consumerSecret: client.clientSecret, keyType: 'SANDBOX' })).status).toBe(404);
  });
});

describe('OpenAPI and health', () => {
  it('serves the OpenAPI 3 document as JSON, listing the API paths', async () => {
    const res = await fetch(`${stack.devportal.apiUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toMatch(/^3\./);
    const base = '/api/am/devportal/v3';
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/signup',
        '/login',
        '/login/refresh',
        '/logout',
        '/applications',
        '/applications/{applicationId}',
        '/applications/{applicationId}/generate-keys',
        '/applications/{applicationId}/map-keys',
        '/applications/{applicationId}/oauth-keys',
        '/applications/{applicationId}/oauth-keys/{keyMappingId}',
        '/applications/{applicationId}/oauth-keys/{keyMappingId}/regenerate-secret',
        '/applications/{applicationId}/oauth-keys/{keyMappingId}/generate-secret',
        '/applications/{applicationId}/oauth-keys/{keyMappingId}/secrets',
        '/applications/{applicationId}/oauth-keys/{keyMappingId}/revoke-secret',
        '/applications/{applicationId}/oauth-keys/{keyMappingId}/generate-token',
        '/applications/{applicationId}/oauth-keys/{keyMappingId}/clean-up',
        '/applications/{applicationId}/keys/{keyType}/clean-up',
        '/applications/{applicationId}/keys/{keyType}',
      ]
        .map((p) => base + p)
        .sort(),
    );
    expect(Object.keys(doc.paths[`${base}/applications/{applicationId}/oauth-keys/{keyMappingId}`]!).sort()).toEqual(['delete', 'get', 'put']);
    expect(doc.components.schemas).toHaveProperty('GenerateKeysDto');
    // WSO2's request fields are in the document (issue 12: the OpenAPI document carries the accepted WSO2 fields).
    const schemas = doc.components.schemas as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(schemas['CreateApplicationDto']?.properties ?? {})).toEqual(expect.arrayContaining(['status', 'groups', 'attributes', 'owner', 'keys']));
    expect(Object.keys(schemas['GenerateKeysDto']?.properties ?? {})).toEqual(expect.arrayContaining(['additionalProperties', 'clientId', 'clientSecret']));
    // WSO2 4.7's several secrets per key: its three DTOs.
    expect(Object.keys(schemas['ConsumerSecretCreationRequestDto']?.properties ?? {})).toEqual(expect.arrayContaining(['additionalProperties', 'description', 'expiresIn']));
    expect(Object.keys(schemas['ConsumerSecretDto']?.properties ?? {})).toEqual(expect.arrayContaining(['secretId', 'secretValue', 'additionalProperties']));
    expect(Object.keys(schemas['ConsumerSecretDeletionRequestDto']?.properties ?? {})).toEqual(['secretId', 'additionalProperties']);
    // WSO2's ApplicationKeyMappingRequest (map-keys).
    expect(Object.keys(schemas['MapKeysDto']?.properties ?? {}).sort()).toEqual(['consumerKey', 'consumerSecret', 'keyManager', 'keyType']);
    expect(doc.components.schemas).toHaveProperty('ErrorDto');
  });

  it('is ready, with the Key Manager agreeing', async () => {
    const res = await fetch(`${stack.devportal.managementUrl}/health/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { details: Record<string, { status: string }> };
    expect(body.details['keyManager']?.status).toBe('up');
  });
});
