import { jest } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { DEVICE_CODE_GRANT } from '@app/contracts';
import { discover, discoverWithOpenidClient, insecure, register, signInAndAuthorize, startKeyManagerWithUser, type KeyManagerWithUser, type RegisteredClient } from './km-test.helpers.js';

jest.setTimeout(60_000);

/**
 * Client authentication is one mechanism: every method the metadata lists for an endpoint works there, with
 * real client libraries — openid-client v6 in its defaults (`client_secret_post`) and oauth4webapi with each
 * method — and nothing the metadata does not list is taken for a client's proof.
 */

const user = { username: 'clara', password: 'client auth 42' };
const GRANTS = ['client_credentials', 'password', 'refresh_token', DEVICE_CODE_GRANT];
const REDIRECT_URI = 'https://app.example.com/callback';

let system: KeyManagerWithUser;
let as: oauth.AuthorizationServer;
let confidential: RegisteredClient & { client_secret: string };
let publicClient: RegisteredClient;

beforeAll(async () => {
  system = await startKeyManagerWithUser(user);
  as = await discover(system.km);
  confidential = (await register(system.km, { grant_types: GRANTS })) as typeof confidential;
  publicClient = await register(system.km, { grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT], ext_public_client: true, redirect_uris: [REDIRECT_URI] });
});

afterAll(async () => {
  await system?.stop();
});

type Method = 'client_secret_basic' | 'client_secret_post' | 'none';

/** oauth4webapi's client authentication for a method, with the client that can use it. */
function authFor(method: Method): { client: oauth.Client; auth: oauth.ClientAuth } {
  switch (method) {
    case 'client_secret_basic':
      return { client: { client_id: confidential.client_id }, auth: oauth.ClientSecretBasic(confidential.client_secret) };
    case 'client_secret_post':
      return { client: { client_id: confidential.client_id }, auth: oauth.ClientSecretPost(confidential.client_secret) };
    case 'none':
      return { client: { client_id: publicClient.client_id }, auth: oauth.None() };
  }
}

/**
 * A fresh access and refresh token of the client: the password grant for a confidential client, the
 * authorization code flow with PKCE (through the sign-in form) for a public one.
 */
async function tokenOf(client: oauth.Client, auth: oauth.ClientAuth): Promise<oauth.TokenEndpointResponse> {
  if (client.client_id !== publicClient.client_id) {
    const response = await oauth.genericTokenEndpointRequest(as, client, auth, 'password', { username: user.username, password: user.password }, insecure);
    return oauth.processGenericTokenEndpointResponse(as, client, response);
  }
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  const signedIn = await signInAndAuthorize(url, user.username, user.password);
  const callback = oauth.validateAuthResponse(as, client, new URL(signedIn.location!), oauth.expectNoState);
  const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT_URI, verifier, insecure);
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

function listed(field: 'token_endpoint_auth_methods_supported' | 'introspection_endpoint_auth_methods_supported' | 'revocation_endpoint_auth_methods_supported'): Method[] {
  const methods = as[field] as Method[] | undefined;
  expect(methods?.length).toBeGreaterThan(0);
  return methods!;
}

describe('every listed method at every endpoint (oauth4webapi)', () => {
  test('the metadata lists what each endpoint accepts, and nothing the Key Manager cannot check', () => {
    expect(listed('token_endpoint_auth_methods_supported')).toEqual(['client_secret_basic', 'client_secret_post', 'none']);
    expect(listed('revocation_endpoint_auth_methods_supported')).toEqual(['client_secret_basic', 'client_secret_post', 'none']);
    expect(listed('introspection_endpoint_auth_methods_supported')).toEqual(['client_secret_basic', 'client_secret_post']);
  });

  test('token endpoint', async () => {
    for (const method of listed('token_endpoint_auth_methods_supported')) {
      const { client, auth } = authFor(method);
      const tokens = await tokenOf(client, auth);
      expect(tokens.access_token).toBeTruthy();
      const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure));
      expect(refreshed.access_token).toBeTruthy();
    }
  });

  test('device authorization endpoint (it accepts what the token endpoint does)', async () => {
    for (const method of listed('token_endpoint_auth_methods_supported')) {
      const { client, auth } = authFor(method);
      const started = await oauth.processDeviceAuthorizationResponse(as, client, await oauth.deviceAuthorizationRequest(as, client, auth, {}, insecure));
      expect(started.device_code).toBeTruthy();
      // Polling authenticates the same way: not approved yet.
      const poll = await oauth.deviceCodeGrantRequest(as, client, auth, started.device_code, insecure);
      await expect(oauth.processDeviceCodeResponse(as, client, poll)).rejects.toMatchObject({ error: 'authorization_pending' });
    }
  });

  test('introspection endpoint', async () => {
    for (const method of listed('introspection_endpoint_auth_methods_supported')) {
      const { client, auth } = authFor(method);
      const tokens = await tokenOf(client, auth);
      const introspected = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure));
      expect(introspected).toMatchObject({ active: true, client_id: client.client_id, username: user.username });
    }
  });

  test('revocation endpoint', async () => {
    for (const method of listed('revocation_endpoint_auth_methods_supported')) {
      const { client, auth } = authFor(method);
      const tokens = await tokenOf(client, auth);
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.refresh_token!, insecure));
      const reuse = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure);
      await expect(oauth.processRefreshTokenResponse(as, client, reuse)).rejects.toMatchObject({ error: 'invalid_grant' });
    }
  });

  test('an unlisted method is refused, never mistaken for a public client', async () => {
    // client_secret_jwt sends client_id with an assertion: not a listed method, so not a proof of anything —
    // neither for a confidential client nor for a public one.
    for (const client of [{ client_id: confidential.client_id }, { client_id: publicClient.client_id }]) {
      const response = await oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretJwt('x'.repeat(32)), 'password', { username: user.username, password: user.password }, insecure);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client', error_description: expect.stringContaining('client_assertion') });
    }
    // A public client has no secret to prove itself with at introspection.
    const { client, auth } = authFor('none');
    const tokens = await tokenOf(client, auth);
    const response = await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_client', error_description: 'authenticate with client_secret_basic or client_secret_post' });
  });

  test('a wrong secret fails alike under either method, at every endpoint', async () => {
    const client = { client_id: confidential.client_id };
    for (const auth of [oauth.ClientSecretBasic('wrong'), oauth.ClientSecretPost('wrong')]) {
      for (const response of [
        await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure),
        await oauth.introspectionRequest(as, client, auth, 'some-token', insecure),
        await oauth.revocationRequest(as, client, auth, 'some-token', insecure),
        await oauth.deviceAuthorizationRequest(as, client, auth, {}, insecure),
      ]) {
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error: 'invalid_client', error_description: 'Client credentials are invalid.' });
      }
    }
  });
});

describe('openid-client v6 in its defaults (client_secret_post)', () => {
  test('client credentials, introspection and revocation', async () => {
    const config = await discoverWithOpenidClient(system.km.config.oauth.issuer, confidential.client_id, confidential.client_secret);
    const tokens = await openid.clientCredentialsGrant(config);
    expect(await openid.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, client_id: confidential.client_id });
    await openid.tokenRevocation(config, tokens.access_token);
    expect(await openid.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  test('what openid-client sends is client_secret_post (the test would prove nothing otherwise)', async () => {
    const seen: Array<{ authorization: string | null; body: string }> = [];
    const config = await discoverWithOpenidClient(system.km.config.oauth.issuer, confidential.client_id, confidential.client_secret);
    config[openid.customFetch] = async (url, options) => {
      seen.push({ authorization: new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).get('authorization'), body: String(options.body) });
      return fetch(url, options as RequestInit);
    };
    await openid.tokenIntrospection(config, 'no-such-token');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBeNull();
    expect(new URLSearchParams(seen[0]!.body).get('client_secret')).toBe(confidential.client_secret);
  });

  test('the public client (None) revokes its own refresh token', async () => {
    const config = await discoverWithOpenidClient(system.km.config.oauth.issuer, publicClient.client_id);
    const tokens = await tokenOf({ client_id: publicClient.client_id }, oauth.None());
    await openid.tokenRevocation(config, tokens.refresh_token!);
    await expect(openid.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
