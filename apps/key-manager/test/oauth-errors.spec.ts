import { jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase } from '../../../test/support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';
import { KeyManagerPatterns } from '@app/contracts';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { adminAuth, basic, postForm, register, signInAndAuthorize, type RegisteredClient } from './km-test.helpers.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let portal: KeyManagerClientUnderTest;
/** Every status seen in this file: none may be a 5xx. */
const statuses: Array<{ what: string; status: number }> = [];

const user = { username: 'erin', password: 'erin password 7' };

beforeAll(async () => {
  tmp = await makeTempDir();
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url, encryption: 'aes-gcm', toml: { server: { body_limit: 4096 } } });
  portal = await createKeyManagerClientForTest(km.config);
  await portal.client.call(KeyManagerPatterns.UserCreate, user);
});

afterAll(async () => {
  expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
  await portal?.close();
  await km?.stop();
  await nats?.stop();
  await tmp?.remove();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function send(what: string, path: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(`${km.baseUrl}${path}`, { redirect: 'manual', ...init });
  statuses.push({ what, status: response.status });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { html: text };
  }
  return { status: response.status, headers: response.headers, body };
}

const form = (what: string, path: string, body: string, headers: Record<string, string> = {}) =>
  send(what, path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

function expectOAuthError(answer: Answer, status: number, error: string): void {
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
  expect(typeof answer.body.error_description).toBe('string');
  expect(answer.body).not.toHaveProperty('stack');
}

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  let cc: RegisteredClient & { client_secret: string };
  let auth: string;

  beforeAll(async () => {
    cc = (await register(km, { grant_types: ['client_credentials'] })) as typeof cc;
    auth = basic(cc.client_id, cc.client_secret);
  });

  test('invalid_request: missing grant_type, repeated parameters, both authentication methods, missing parameters', async () => {
    expectOAuthError(await form('no grant', '/oauth2/token', 'scope=a', { authorization: auth }), 400, 'invalid_request');
    expectOAuthError(await form('repeated', '/oauth2/token', 'grant_type=client_credentials&scope=a&scope=b', { authorization: auth }), 400, 'invalid_request');
    expectOAuthError(
      await form('two methods', '/oauth2/token', `grant_type=client_credentials&client_id=${cc.client_id}&client_secret=${cc.client_secret}`, { authorization: auth }),
      400,
      'invalid_request',
    );
    const pw = (await register(km, { grant_types: ['password'] })) as typeof cc;
    expectOAuthError(await form('no username', '/oauth2/token', 'grant_type=password&password=x', { authorization: basic(pw.client_id, pw.client_secret) }), 400, 'invalid_request');
    expectOAuthError(await form('bad percent', '/oauth2/token', 'grant_type=client_credentials&scope=%E0%A4%A', { authorization: auth }), 400, 'invalid_request');
  });

  test('invalid_client: 401, with a Basic challenge only when Basic was used', async () => {
    const viaBasic = await form('bad basic', '/oauth2/token', 'grant_type=client_credentials', { authorization: basic(cc.client_id, 'wrong') });
    expectOAuthError(viaBasic, 401, 'invalid_client');
    expect(viaBasic.headers.get('www-authenticate')).toBe('Basic realm="key-manager"');
    const viaPost = await form('bad post', '/oauth2/token', `grant_type=client_credentials&client_id=${cc.client_id}&client_secret=wrong`);
    expectOAuthError(viaPost, 401, 'invalid_client');
    expect(viaPost.headers.get('www-authenticate')).toBeNull();
    expectOAuthError(await form('no auth', '/oauth2/token', 'grant_type=client_credentials'), 401, 'invalid_client');
    expectOAuthError(await form('unknown client', '/oauth2/token', 'grant_type=client_credentials', { authorization: basic('nobody', 'x') }), 401, 'invalid_client');
    expectOAuthError(await form('garbage basic', '/oauth2/token', 'grant_type=client_credentials', { authorization: 'Basic %%%' }), 401, 'invalid_client');
    // A confidential client cannot drop its secret and pass as public.
    expectOAuthError(await form('no secret', '/oauth2/token', `grant_type=client_credentials&client_id=${cc.client_id}`), 401, 'invalid_client');
  });

  test('unsupported_grant_type, unauthorized_client, invalid_scope, invalid_grant', async () => {
    expectOAuthError(await form('implicit', '/oauth2/token', 'grant_type=implicit', { authorization: auth }), 400, 'unsupported_grant_type');
    expectOAuthError(await form('not allowed', '/oauth2/token', `grant_type=password&username=${user.username}&password=x`, { authorization: auth }), 400, 'unauthorized_client');
    expectOAuthError(await form('bad scope', '/oauth2/token', 'grant_type=client_credentials&scope=%22quoted%22', { authorization: auth }), 400, 'invalid_scope');

    const rt = (await register(km, { grant_types: ['password', 'refresh_token'] })) as typeof cc;
    const rtAuth = basic(rt.client_id, rt.client_secret);
    const issued = await form('password', '/oauth2/token', `grant_type=password&username=${user.username}&password=${encodeURIComponent(user.password)}&scope=a`, { authorization: rtAuth });
    expect(issued.status).toBe(200);
    const refresh = String(issued.body.refresh_token);
    expectOAuthError(await form('wider scope', '/oauth2/token', `grant_type=refresh_token&refresh_token=${refresh}&scope=a%20b`, { authorization: rtAuth }), 400, 'invalid_scope');
    expectOAuthError(await form('bogus refresh', '/oauth2/token', 'grant_type=refresh_token&refresh_token=bogus', { authorization: rtAuth }), 400, 'invalid_grant');
    // Someone else's refresh token is not this client's grant.
    const other = (await register(km, { grant_types: ['refresh_token'] })) as typeof cc;
    expectOAuthError(await form('foreign refresh', '/oauth2/token', `grant_type=refresh_token&refresh_token=${refresh}`, { authorization: basic(other.client_id, other.client_secret) }), 400, 'invalid_grant');
    // …and that attempt did not burn it.
    expect((await form('refresh', '/oauth2/token', `grant_type=refresh_token&refresh_token=${refresh}`, { authorization: rtAuth })).status).toBe(200);
  });

  test('bodies: JSON and text are 415, no body 400, oversized 413 — all as OAuth2 JSON', async () => {
    const json = await send('json', '/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: '{"grant_type":"client_credentials"}' });
    expectOAuthError(json, 415, 'invalid_request');
    const brokenJson = await send('broken json', '/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
    expect(brokenJson.status).toBe(400);
    expect(brokenJson.body.error).toBe('invalid_request');
    expectOAuthError(await send('text', '/oauth2/token', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=client_credentials' }), 415, 'invalid_request');
    expectOAuthError(await send('none', '/oauth2/token', { method: 'POST', headers: { authorization: auth } }), 400, 'invalid_request');
    expectOAuthError(await form('huge', '/oauth2/token', `grant_type=client_credentials&scope=${'a'.repeat(8000)}`, { authorization: auth }), 413, 'invalid_request');
    expectOAuthError(await form('many params', '/oauth2/token', Array.from({ length: 100 }, (_, i) => `p${i}=1`).join('&'), { authorization: auth }), 400, 'invalid_request');
  });

  test('introspection and revocation: authentication and the token parameter are required', async () => {
    const anonymous = await form('introspect anon', '/oauth2/introspect', 'token=x');
    expectOAuthError(anonymous, 401, 'invalid_client');
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="key-manager"');
    // client_secret_post is listed for introspection, so it works there as at the token endpoint; `none` is not.
    expect((await form('introspect post auth', '/oauth2/introspect', `token=x&client_id=${cc.client_id}&client_secret=${encodeURIComponent(cc.client_secret)}`)).body).toEqual({ active: false });
    expectOAuthError(await form('introspect post bad', '/oauth2/introspect', `token=x&client_id=${cc.client_id}&client_secret=nope`), 401, 'invalid_client');
    const idOnly = await form('introspect id only', '/oauth2/introspect', `token=x&client_id=${cc.client_id}`);
    expectOAuthError(idOnly, 401, 'invalid_client');
    expect(idOnly.body.error_description).toBe('authenticate with client_secret_basic or client_secret_post');
    expectOAuthError(await form('introspect no token', '/oauth2/introspect', '', { authorization: adminAuth(km) }), 400, 'invalid_request');
    expectOAuthError(await form('introspect bad admin', '/oauth2/introspect', 'token=x', { authorization: basic(km.admin.username, 'nope') }), 401, 'invalid_client');
    expectOAuthError(await form('revoke no token', '/oauth2/revoke', '', { authorization: auth }), 400, 'invalid_request');
    expectOAuthError(await form('revoke anon', '/oauth2/revoke', 'token=x'), 401, 'invalid_client');
  });
});

describe('authorization endpoint', () => {
  const redirectUri = 'https://client.example.org/cb?app=1';
  let spa: RegisteredClient;
  let web: RegisteredClient & { client_secret: string };
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  beforeAll(async () => {
    spa = await register(km, { ext_public_client: true, redirect_uris: [redirectUri] });
    web = (await register(km, { grant_types: ['authorization_code'], redirect_uris: [redirectUri, 'https://client.example.org/other'] })) as typeof web;
  });

  const authorizeUrl = (params: Record<string, string>) => `/oauth2/authorize?${new URLSearchParams(params).toString()}`;

  test('an unknown client or an unregistered redirect URI gets an HTML page, never a redirect', async () => {
    for (const [what, params] of [
      ['unknown client', { response_type: 'code', client_id: 'nobody', redirect_uri: redirectUri }],
      ['foreign redirect', { response_type: 'code', client_id: spa.client_id, redirect_uri: 'https://evil.example/cb' }],
      ['ambiguous redirect', { response_type: 'code', client_id: web.client_id }],
      ['no client', { response_type: 'code' }],
    ] as const) {
      const answer = await send(what, authorizeUrl(params), {});
      expect(answer.status).toBe(400);
      expect(answer.headers.get('location')).toBeNull();
      expect(answer.headers.get('content-type')).toContain('text/html');
    }
    const repeated = await send('repeated client', `/oauth2/authorize?client_id=${spa.client_id}&client_id=${spa.client_id}&response_type=code`, {});
    expect(repeated.status).toBe(400);
  });

  test('after the redirect URI is trusted, errors go back to it with state', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no pkce', { response_type: 'code', client_id: spa.client_id, state: 's1' }, 'invalid_request'],
      ['plain pkce', { response_type: 'code', client_id: spa.client_id, code_challenge: challenge, code_challenge_method: 'plain', state: 's1' }, 'invalid_request'],
      ['token response', { response_type: 'token', client_id: spa.client_id, code_challenge: challenge, code_challenge_method: 'S256', state: 's1' }, 'unsupported_response_type'],
      ['bad scope', { response_type: 'code', client_id: spa.client_id, code_challenge: challenge, code_challenge_method: 'S256', state: 's1', scope: 'a\\b' }, 'invalid_scope'],
    ];
    for (const [what, params, error] of cases) {
      const answer = await send(what, authorizeUrl(params), {});
      expect(answer.status).toBe(302);
      const location = new URL(answer.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe('https://client.example.org/cb');
      expect(Object.fromEntries(location.searchParams)).toMatchObject({ app: '1', error, state: 's1', iss: km.config.oauth.issuer });
    }
    const denied = await form('deny', '/oauth2/authorize', new URLSearchParams({ response_type: 'code', client_id: spa.client_id, code_challenge: challenge, code_challenge_method: 'S256', action: 'deny' }).toString());
    expect(denied.status).toBe(302);
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
  });

  test('the sign-in page escapes what it echoes', async () => {
    const answer = await send('xss', authorizeUrl({ response_type: 'code', client_id: spa.client_id, code_challenge: challenge, code_challenge_method: 'S256', state: '"><script>alert(1)</script>' }), {});
    expect(answer.status).toBe(200);
    const html = String(answer.body.html);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#34;&#62;&#60;script&#62;');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
  });

  test('codes are bound to client, redirect URI and verifier; a replay is refused', async () => {
    const url = new URL(`${km.baseUrl}${authorizeUrl({ response_type: 'code', client_id: web.client_id, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' })}`);
    const code = async () => new URL((await signInAndAuthorize(url, user.username, user.password)).location!).searchParams.get('code')!;
    const webAuth = basic(web.client_id, web.client_secret);
    const exchange = (what: string, c: string, extra: string, authorization = webAuth) =>
      form(what, '/oauth2/token', `grant_type=authorization_code&code=${c}&${extra}`, { authorization });

    expectOAuthError(await exchange('wrong verifier', await code(), `redirect_uri=${encodeURIComponent(redirectUri)}&code_verifier=${'x'.repeat(43)}`), 400, 'invalid_grant');
    expectOAuthError(await exchange('no verifier', await code(), `redirect_uri=${encodeURIComponent(redirectUri)}`), 400, 'invalid_grant');
    expectOAuthError(await exchange('other redirect', await code(), `redirect_uri=${encodeURIComponent('https://client.example.org/other')}&code_verifier=${verifier}`), 400, 'invalid_grant');
    const other = (await register(km, { grant_types: ['authorization_code'], redirect_uris: [redirectUri] })) as typeof web;
    const stolen = await code();
    expectOAuthError(await exchange('other client', stolen, `redirect_uri=${encodeURIComponent(redirectUri)}&code_verifier=${verifier}`, basic(other.client_id, other.client_secret)), 400, 'invalid_grant');
    // The rightful client can still redeem it once — and only once.
    expect((await exchange('good', stolen, `redirect_uri=${encodeURIComponent(redirectUri)}&code_verifier=${verifier}`)).status).toBe(200);
    expectOAuthError(await exchange('replay', stolen, `redirect_uri=${encodeURIComponent(redirectUri)}&code_verifier=${verifier}`), 400, 'invalid_grant');
  });
});

describe('client registration errors (RFC 7591)', () => {
  const dcr = (what: string, method: string, path: string, body?: unknown, authorization?: string) =>
    send(what, `/keymanager-operations/dcr/register${path}`, {
      method,
      headers: { authorization: authorization ?? adminAuth(km), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  test('only the super admin may register', async () => {
    const anonymous = await send('dcr anon', '/keymanager-operations/dcr/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="key-manager"');
    expect((await dcr('dcr wrong admin', 'POST', '', { client_name: 'x' }, basic(km.admin.username, 'wrong'))).status).toBe(401);
  });

  test('invalid metadata and redirect URIs are 400 with RFC 7591 codes', async () => {
    const cases: Array<[unknown, string]> = [
      [{ client_name: 'x', grant_types: ['implicit'] }, 'invalid_client_metadata'],
      [{ client_name: 'x', grant_types: 'client_credentials' }, 'invalid_client_metadata'],
      [{ client_name: '' }, 'invalid_client_metadata'],
      [{ client_name: 'x', token_type_extension: 'SAML' }, 'invalid_client_metadata'],
      [{ client_name: 'x', ext_application_token_lifetime: -5 }, 'invalid_client_metadata'],
      [{ client_name: 'x', ext_public_client: true, grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
      [{ client_name: 'x', client_id: 'chosen-by-me' }, 'invalid_client_metadata'],
      [{ client_name: 'x', grant_types: ['authorization_code'] }, 'invalid_redirect_uri'],
      [{ client_name: 'x', grant_types: ['authorization_code'], redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      [{ client_name: 'x', grant_types: ['authorization_code'], redirect_uris: ['https://a.example/cb#frag'] }, 'invalid_redirect_uri'],
      [{ client_name: 'x', grant_types: ['authorization_code'], redirect_uris: ['/relative'] }, 'invalid_redirect_uri'],
      ['[1,2]', 'invalid_client_metadata'],
      ['{"client_name":', 'invalid_client_metadata'],
    ];
    for (const [body, error] of cases) expectOAuthError(await dcr(`dcr ${JSON.stringify(body)}`, 'POST', '', body), 400, error);
  });

  test("WSO2's implicit, saml2-bearer and iwa:ntlm are refused with the reason, at DCR and at the token endpoint", async () => {
    const reasons: Array<[string, RegExp]> = [
      ['implicit', /RFC 9700/],
      ['urn:ietf:params:oauth:grant-type:saml2-bearer', /no SAML identity provider|trusts no SAML/],
      ['iwa:ntlm', /no Windows domain/],
    ];
    for (const [grant, why] of reasons) {
      const registration = await dcr(`dcr ${grant}`, 'POST', '', { client_name: 'x', grant_types: ['client_credentials', grant] });
      expectOAuthError(registration, 400, 'invalid_client_metadata');
      expect(registration.body.error_description).toMatch(why);
      const cc = (await register(km, { grant_types: ['client_credentials'] })) as RegisteredClient & { client_secret: string };
      const token = await form(`token ${grant}`, '/oauth2/token', new URLSearchParams({ grant_type: grant }).toString(), { authorization: basic(cc.client_id, cc.client_secret) });
      expectOAuthError(token, 400, 'unsupported_grant_type');
      expect(token.body.error_description).toMatch(why);
    }
  });

  test('unknown clients are 404; delete removes the client and its tokens', async () => {
    expect((await dcr('get unknown', 'GET', '/nobody')).status).toBe(404);
    expect((await dcr('put unknown', 'PUT', '/nobody', { client_name: 'x' })).status).toBe(404);
    expect((await dcr('delete unknown', 'DELETE', '/nobody')).status).toBe(404);
    const client = (await register(km, { grant_types: ['client_credentials'] })) as RegisteredClient & { client_secret: string };
    const token = await form('cc', '/oauth2/token', 'grant_type=client_credentials', { authorization: basic(client.client_id, client.client_secret) });
    expectOAuthError(await dcr('flip public', 'PUT', `/${client.client_id}`, { ext_public_client: true }), 400, 'invalid_client_metadata');
    const read = await dcr('get', 'GET', `/${client.client_id}`);
    expect(read.body).toMatchObject({ client_id: client.client_id, client_secret: client.client_secret });
    expect((await dcr('delete', 'DELETE', `/${client.client_id}`)).status).toBe(204);
    expect((await dcr('get deleted', 'GET', `/${client.client_id}`)).status).toBe(404);
    const introspection = await form('introspect deleted', '/oauth2/introspect', `token=${String(token.body.access_token)}`, { authorization: adminAuth(km) });
    expect(introspection.body).toEqual({ active: false });
  });
});

describe('a stored secret that cannot be decrypted', () => {
  test('is a 500 with an error id (and no guess) where the API must reveal it; look-ups by hash keep working', async () => {
    const client = (await register(km, { grant_types: ['client_credentials'] })) as RegisteredClient & { client_secret: string };
    // Damage the stored ciphertext (the scheme and the lookup hash stay as they were).
    await queryTestDatabase(`UPDATE oauth_clients SET client_secret = 'Zm9v' || substr(client_secret, 5) WHERE client_id = $1`, [client.client_id], km.schema);
    const response = await fetch(`${km.baseUrl}/keymanager-operations/dcr/register/${client.client_id}`, { headers: { authorization: adminAuth(km) } });
    expect(response.status).toBe(500);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({ error: 'server_error', error_description: `internal error (error id ${body.error_id})`, error_id: expect.any(String) });
    // Authentication never decrypts: the client still gets tokens.
    expect((await postForm(`${km.baseUrl}/oauth2/token`, 'grant_type=client_credentials', { authorization: basic(client.client_id, client.client_secret) })).status).toBe(200);
  });
});

