import { jest } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import { decodeJwt } from 'jose';
import { DEVICE_CODE_GRANT, KeyManagerPatterns } from '@app/contracts';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { adminAuth, basic, discover, postForm, register, signInAndAuthorize, startKeyManagerWithUser, type KeyManagerWithUser } from './km-test.helpers.js';

jest.setTimeout(60_000);

// Issue #10 item 3: a client gets only the scopes registered for it (DCR `application_scopes` / `scope`, the
// portal's key generation `scopes`) plus `openid`, `device_*` and `default`. The rest are dropped, and a
// token granted none carries `default` — WSO2's scope issuers (carbon-apimgt AbstractScopesIssuer,
// RoleBasedScopesIssuer). Everything here runs against a real Key Manager (PostgreSQL, NATS, HTTP).

let env: KeyManagerWithUser;
let portal: KeyManagerClientUnderTest;
let as: oauth.AuthorizationServer;
const user = { username: 'scope-user', password: 'correct horse 42' };

beforeAll(async () => {
  env = await startKeyManagerWithUser(user, { configName: 'scopes.toml' });
  portal = await createKeyManagerClientForTest(env.km.config);
  as = await discover(env.km);
});

afterAll(async () => {
  await portal?.close();
  await env?.stop();
});

async function token(clientId: string, secret: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await postForm(`${env.km.baseUrl}/oauth2/token`, new URLSearchParams(form).toString(), { authorization: basic(clientId, secret) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function introspect(accessToken: string): Promise<Record<string, unknown>> {
  const response = await postForm(`${env.km.baseUrl}/oauth2/introspect`, `token=${encodeURIComponent(accessToken)}`, { authorization: adminAuth(env.km) });
  return (await response.json()) as Record<string, unknown>;
}

async function dcr(method: 'PUT' | 'GET', clientId: string, body?: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${env.km.baseUrl}/keymanager-operations/dcr/register/${clientId}`, {
    method,
    headers: { authorization: adminAuth(env.km), 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('client_credentials', () => {
  test('scope=admin root for a client with no registered scopes: neither is granted, the token carries default', async () => {
    const client = await register(env.km, { grant_types: ['client_credentials'] });
    const { status, body } = await token(client.client_id, client.client_secret!, { grant_type: 'client_credentials', scope: 'admin root' });
    expect(status).toBe(200);
    expect(body.scope).toBe('default');
    expect(decodeJwt(body.access_token as string).scope).toBe('default');
    expect(await introspect(body.access_token as string)).toMatchObject({ active: true, scope: 'default' });
  });

  test('registered scopes are granted, unregistered ones dropped from a mixed request, nothing asked gives default', async () => {
    const client = await register(env.km, { grant_types: ['client_credentials'], application_scopes: ['orders:read', 'orders:write'], token_type_extension: 'Default' });
    expect(client).toMatchObject({ application_scopes: ['orders:read', 'orders:write'], scope: 'orders:read orders:write' });

    const allowed = await token(client.client_id, client.client_secret!, { grant_type: 'client_credentials', scope: 'orders:read orders:write' });
    expect(allowed.body.scope).toBe('orders:read orders:write');
    expect(await introspect(allowed.body.access_token as string)).toMatchObject({ active: true, scope: 'orders:read orders:write' });

    const mixed = await token(client.client_id, client.client_secret!, { grant_type: 'client_credentials', scope: 'admin orders:write root' });
    expect(mixed.status).toBe(200);
    expect(mixed.body.scope).toBe('orders:write');
    expect(await introspect(mixed.body.access_token as string)).toMatchObject({ scope: 'orders:write' });

    const none = await token(client.client_id, client.client_secret!, { grant_type: 'client_credentials' });
    expect(none.body.scope).toBe('default');

    // WSO2's whitelist (`openid`, `^device_.*`) and `default` need no registration.
    const always = await token(client.client_id, client.client_secret!, { grant_type: 'client_credentials', scope: 'device_abc default admin' });
    expect(always.body.scope).toBe('device_abc default');
  });

  test('the portal bus path (km.tokens.issue) applies the same rule', async () => {
    const client = await register(env.km, { grant_types: ['client_credentials'], scope: 'reports' });
    const issued = await portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: client.client_id, scopes: ['reports', 'admin'] });
    expect(issued.scopes).toEqual(['reports']);
    const bare = await portal.client.call(KeyManagerPatterns.TokenIssue, { clientId: client.client_id, scopes: ['admin'] });
    expect(bare.scopes).toEqual(['default']);
  });
});

describe('DCR registration of scopes', () => {
  test('RFC 7591 scope and WSO2 application_scopes register the same list; a change takes effect at once', async () => {
    const client = await register(env.km, { grant_types: ['client_credentials'], scope: 'a b' });
    expect(client).toMatchObject({ application_scopes: ['a', 'b'], scope: 'a b' });
    expect((await dcr('GET', client.client_id)).body).toMatchObject({ application_scopes: ['a', 'b'] });

    const updated = await dcr('PUT', client.client_id, { application_scopes: ['b', 'c'] });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ application_scopes: ['b', 'c'], scope: 'b c' });
    expect((await token(client.client_id, client.client_secret!, { grant_type: 'client_credentials', scope: 'a b c' })).body.scope).toBe('b c');

    // An update without the field keeps the list.
    expect((await dcr('PUT', client.client_id, { client_name: 'renamed' })).body).toMatchObject({ application_scopes: ['b', 'c'] });
  });

  test('malformed or conflicting scope lists are refused with invalid_client_metadata', async () => {
    for (const metadata of [{ scope: 'a "quoted"' }, { application_scopes: 'a b' }, { application_scopes: ['a'], scope: 'b' }, { application_scopes: ['a\\b'] }]) {
      const response = await fetch(`${env.km.baseUrl}/keymanager-operations/dcr/register`, {
        method: 'POST',
        headers: { authorization: adminAuth(env.km), 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'bad scopes', grant_types: ['client_credentials'], ...metadata }),
      });
      expect({ metadata, status: response.status }).toEqual({ metadata, status: 400 });
      expect(await response.json()).toMatchObject({ error: 'invalid_client_metadata' });
    }
  });
});

describe('user grants', () => {
  test('password: only registered scopes; a refresh may narrow, never widen, and follows the client registration', async () => {
    const client = await register(env.km, { grant_types: ['password', 'refresh_token'], application_scopes: ['read', 'write'] });
    const first = await token(client.client_id, client.client_secret!, { grant_type: 'password', username: user.username, password: user.password, scope: 'read write admin' });
    expect(first.body.scope).toBe('read write');

    const narrowed = await token(client.client_id, client.client_secret!, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string, scope: 'read' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('read');

    // `write` was given up at the refresh: asking for it back with the new refresh token is refused.
    const widened = await token(client.client_id, client.client_secret!, { grant_type: 'refresh_token', refresh_token: narrowed.body.refresh_token as string, scope: 'read write' });
    expect(widened.status).toBe(400);
    expect(widened.body.error).toBe('invalid_scope');

    // A scope the client is no longer registered for is not carried over by a refresh.
    const second = await token(client.client_id, client.client_secret!, { grant_type: 'password', username: user.username, password: user.password, scope: 'read write' });
    expect(second.body.scope).toBe('read write');
    await dcr('PUT', client.client_id, { application_scopes: ['read'] });
    const renewed = await token(client.client_id, client.client_secret!, { grant_type: 'refresh_token', refresh_token: second.body.refresh_token as string });
    expect(renewed.body.scope).toBe('read');
    expect(await introspect(renewed.body.access_token as string)).toMatchObject({ active: true, scope: 'read' });
  });

  test('authorization_code: openid is always allowed (with its ID token), an unregistered scope is dropped', async () => {
    const redirectUri = 'https://app.example.com/callback';
    const client = await register(env.km, { grant_types: ['authorization_code'], redirect_uris: [redirectUri] });
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: 'openid admin',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    // The sign-in page lists what the application will get, not what it asked for.
    const page = await (await fetch(url)).text();
    expect(page.match(/Requested scopes: (.*?)<\/p>/)?.[1]).toBe('<code>openid</code>');
    const { location } = await signInAndAuthorize(url, user.username, user.password);
    const code = new URL(location!).searchParams.get('code')!;
    const tokens = await token(client.client_id, client.client_secret!, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('openid');
    expect(typeof tokens.body.id_token).toBe('string');
  });

  test('device authorization records and shows only the scopes the client may have', async () => {
    const client = await register(env.km, { ext_public_client: true, grant_types: [DEVICE_CODE_GRANT], application_scopes: ['devices'] });
    const started = await postForm(`${env.km.baseUrl}/oauth2/device_authorize`, new URLSearchParams({ client_id: client.client_id, scope: 'devices admin device_tv' }).toString());
    expect(started.status).toBe(200);
    const { verification_uri_complete: verification } = (await started.json()) as { verification_uri_complete: string };
    const approval = await (await fetch(verification)).text();
    expect(approval.match(/Requested scopes: (.*?)<\/p>/)?.[1]).toBe('<code>devices</code> <code>device_tv</code>');
  });

  test("the portal's log-in (system client apim-devportal) gets default: no scopes are registered for it", async () => {
    const login = await portal.client.call(KeyManagerPatterns.UserAuthenticate, { username: user.username, password: user.password, scopes: ['apim:subscribe'] });
    expect(login.scopes).toEqual(['default']);
    expect(await portal.client.call(KeyManagerPatterns.TokenValidate, { token: login.accessToken })).toMatchObject({ active: true, scopes: ['default'] });
  });
});
