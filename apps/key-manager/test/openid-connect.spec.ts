import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { freePort } from '../../../test/support/free-port.js';
import { basic, discoverWithOpenidClient as discover, postForm, register, signInAndAuthorize, startKeyManagerWithUser, type KeyManagerWithUser } from './km-test.helpers.js';

jest.setTimeout(60_000);

const REDIRECT_URI = 'https://app.example.com/callback';
const user = { username: 'olivia', password: 'correct horse 42' };

let system: KeyManagerWithUser;
let km: KeyManagerUnderTest;

/** OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the value (RS256). */
function leftHalf(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

/** The authorization code flow with openid-client, through the Key Manager's sign-in form. */
async function signIn(config: client.Configuration, scope: string) {
  const verifier = client.randomPKCECodeVerifier();
  // Only an OpenID request carries a nonce; openid-client then insists on an ID token.
  const nonce = scope.split(' ').includes('openid') ? client.randomNonce() : undefined;
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    ...(nonce ? { nonce } : {}),
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const before = Math.floor(Date.now() / 1000);
  const signedIn = await signInAndAuthorize(url, user.username, user.password);
  expect(signedIn.status).toBe(302);
  const tokens = await client.authorizationCodeGrant(config, new URL(signedIn.location!), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
  return { tokens, nonce, before };
}

beforeAll(async () => {
  system = await startKeyManagerWithUser(user, { encryption: 'rsa-oaep' });
  km = system.km;
});

afterAll(async () => {
  await system?.stop();
});

describe('OpenID Connect with openid-client in its default (OIDC) mode', () => {
  test('discovery at /.well-known/openid-configuration describes an OpenID Provider', async () => {
    const registered = await register(km, { grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT_URI] });
    const config = await discover(km.config.oauth.issuer, registered.client_id, registered.client_secret);
    expect(config.serverMetadata()).toMatchObject({
      issuer: km.config.oauth.issuer,
      userinfo_endpoint: `${km.baseUrl}/oauth2/userinfo`,
      jwks_uri: `${km.baseUrl}/oauth2/jwks`,
      scopes_supported: ['openid'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_post', 'client_secret_basic']),
      introspection_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_post', 'client_secret_basic']),
      request_uri_parameter_supported: false,
    });
    // RFC 8414's path and WSO2's OIDC paths serve the same document.
    const document = await (await fetch(`${km.baseUrl}/.well-known/openid-configuration`)).json();
    for (const path of ['/.well-known/oauth-authorization-server', '/oauth2/token/.well-known/openid-configuration', '/oauth2/oidcdiscovery/.well-known/openid-configuration']) {
      const response = await fetch(`${km.baseUrl}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(document);
    }
  });

  test('authorization code flow: an RS256 ID token with kid, nonce, auth_time and at_hash; userinfo; refresh keeps the identity', async () => {
    const registered = await register(km, { grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT_URI], token_type_extension: 'JWT' });
    const config = await discover(km.config.oauth.issuer, registered.client_id, registered.client_secret);
    const { tokens, nonce, before } = await signIn(config, 'openid read');

    expect(tokens.id_token).toBeDefined();
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: km.config.oauth.issuer, sub: user.username, aud: registered.client_id, azp: registered.client_id, nonce });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(claims.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(claims.at_hash).toBe(leftHalf(tokens.access_token));
    expect(claims.c_hash).toEqual(expect.any(String));
    expect(claims.exp - claims.iat).toBe(3600);

    // Signed with a key the JWKS publishes, under its kid.
    const header = decodeProtectedHeader(tokens.id_token!);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const jwks = (await (await fetch(`${km.baseUrl}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${km.baseUrl}/oauth2/jwks`)), { issuer: km.config.oauth.issuer, audience: registered.client_id });

    expect(await client.fetchUserInfo(config, tokens.access_token, user.username)).toEqual({ sub: user.username });

    // Refresh: a new ID token for the same identity and authentication (OIDC Core §12.2), without the nonce.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const again = refreshed.claims()!;
    expect(again).toMatchObject({ iss: claims.iss, sub: claims.sub, aud: claims.aud, azp: claims.azp, auth_time: claims.auth_time });
    expect(again.nonce).toBeUndefined();
    expect(again.at_hash).toBe(leftHalf(refreshed.access_token));
    expect(again.jti).not.toBe(claims.jti);
    expect(await client.fetchUserInfo(config, refreshed.access_token, user.username)).toEqual({ sub: user.username });
    // The old access token is gone with the rotation.
    await expect(client.fetchUserInfo(config, tokens.access_token, user.username)).rejects.toThrow();
  });

  test('a public client with PKCE, and opaque access tokens, gets an ID token too', async () => {
    const registered = await register(km, { ext_public_client: true, redirect_uris: [REDIRECT_URI], token_type_extension: 'Default' });
    const config = await discover(km.config.oauth.issuer, registered.client_id);
    const { tokens, nonce } = await signIn(config, 'openid');
    expect(tokens.access_token).not.toContain('.');
    expect(tokens.claims()).toMatchObject({ sub: user.username, nonce, at_hash: leftHalf(tokens.access_token) });
    expect(await client.fetchUserInfo(config, tokens.access_token, user.username)).toEqual({ sub: user.username });
  });

  test('without openid there is no ID token; the password grant gives one; client_credentials never does', async () => {
    const registered = await register(km, { grant_types: ['authorization_code', 'password', 'client_credentials'], redirect_uris: [REDIRECT_URI] });
    const config = await discover(km.config.oauth.issuer, registered.client_id, registered.client_secret);
    const { tokens } = await signIn(config, 'read');
    expect(tokens.id_token).toBeUndefined();

    const password = await client.genericGrantRequest(config, 'password', { username: user.username, password: user.password, scope: 'openid' });
    expect(password.claims()).toMatchObject({ sub: user.username, aud: registered.client_id });
    expect(password.claims()!.auth_time).toEqual(expect.any(Number));

    const application = await client.clientCredentialsGrant(config, { scope: 'openid' });
    expect(application.id_token).toBeUndefined();
  });

  test("WSO2's issuer shape: with issuer <public URL>/oauth2/token, openid-client discovers at WSO2's path", async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const issuer = `${baseUrl}/oauth2/token`;
    const wso2Like = await startKeyManagerForTest({
      dir: system.tmp.dir,
      keystore: system.keystore,
      nats: 'in-process',
      configName: 'oidc-wso2-issuer.toml',
      toml: { server: { port, public_url: baseUrl }, oauth: { issuer } },
    });
    try {
      // (the harness picked its own port for baseUrl; this server listens on ours)
      const registered = await register({ ...wso2Like, baseUrl }, { grant_types: ['password'] });
      const config = await discover(issuer, registered.client_id, registered.client_secret);
      expect(config.serverMetadata()).toMatchObject({ issuer, token_endpoint: `${baseUrl}/oauth2/token` });
      const tokens = await client.genericGrantRequest(config, 'password', { username: user.username, password: user.password, scope: 'openid' }).catch((e: unknown) => e);
      // The user store is per schema: this Key Manager has no olivia, so the grant fails — as an OAuth2 error, through discovery's endpoints.
      expect(tokens).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await wso2Like.stop();
    }
  });
});

describe('the authorization endpoint for OpenID Connect requests', () => {
  let clientId: string;

  beforeAll(async () => {
    clientId = (await register(km, { grant_types: ['authorization_code'], redirect_uris: [REDIRECT_URI] })).client_id;
  });

  async function authorize(params: Record<string, string>): Promise<URL> {
    const url = new URL(`${km.baseUrl}/oauth2/authorize`);
    url.search = new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1', ...params }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  test('prompt=none cannot be met without a sign-in session: login_required', async () => {
    const back = await authorize({ response_type: 'code', prompt: 'none' });
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'login_required', state: 's1' });
  });

  test('the implicit flow (response_type=token) is refused, saying why', async () => {
    const back = await authorize({ response_type: 'token' });
    expect(back.searchParams.get('error')).toBe('unsupported_response_type');
    expect(back.searchParams.get('error_description')).toMatch(/RFC 9700/);
  });

  test('request objects are refused rather than ignored', async () => {
    expect((await authorize({ response_type: 'code', request: 'eyJhbGciOiJub25lIn0.e30.' })).searchParams.get('error')).toBe('request_not_supported');
  });
});

describe('userinfo errors are WSO2\'s', () => {
  test('no token, a bad token, a token without openid, an application token', async () => {
    const noToken = await fetch(`${km.baseUrl}/oauth2/userinfo`);
    expect(noToken.status).toBe(400);
    expect(await noToken.json()).toEqual({ error: 'invalid_request', error_description: 'Authorization header is missing' });

    const bad = await fetch(`${km.baseUrl}/oauth2/userinfo`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await bad.json()).toEqual({ error: 'invalid_token', error_description: 'Access token validation failed' });

    const registered = await register(km, { grant_types: ['password', 'client_credentials'], token_type_extension: 'Default' });
    const token = async (body: Record<string, string>) =>
      ((await (await postForm(`${km.baseUrl}/oauth2/token`, new URLSearchParams(body).toString(), { authorization: basic(registered.client_id, registered.client_secret!) })).json()) as { access_token: string }).access_token;

    const withoutOpenid = await token({ grant_type: 'password', username: user.username, password: user.password, scope: 'read' });
    const forbidden = await fetch(`${km.baseUrl}/oauth2/userinfo`, { headers: { authorization: `Bearer ${withoutOpenid}` } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope"');
    expect(await forbidden.json()).toEqual({ error: 'insufficient_scope', error_description: 'Access token does not have the openid scope' });

    const application = await token({ grant_type: 'client_credentials', scope: 'openid' });
    const noUser = await fetch(`${km.baseUrl}/oauth2/userinfo`, { headers: { authorization: `Bearer ${application}` } });
    expect(noUser.status).toBe(401);
    expect(await noUser.json()).toMatchObject({ error: 'invalid_token', error_description: 'Access token is not valid. No authorized user found. Invalid grant' });

    // RFC 6750 §2.2: the token in a POSTed form works too.
    const withOpenid = await token({ grant_type: 'password', username: user.username, password: user.password, scope: 'openid' });
    const posted = await postForm(`${km.baseUrl}/oauth2/userinfo`, `access_token=${encodeURIComponent(withOpenid)}`);
    expect(posted.status).toBe(200);
    expect(posted.headers.get('cache-control')).toBe('no-store');
    expect(await posted.json()).toEqual({ sub: user.username });
  });
});
