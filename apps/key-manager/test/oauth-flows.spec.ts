import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { KeyManagerPatterns } from '@app/contracts';
import { ENCRYPTION_MODES, startKeyManagerForTest, type EncryptionMode, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase, TEST_DATABASE_URL } from '../../../test/support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';
import { adminAuth, basic, discover, insecure, postForm, register, signInAndAuthorize, type RegisteredClient } from './km-test.helpers.js';

const run = promisify(execFile);
jest.setTimeout(60_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;

beforeAll(async () => {
  tmp = await makeTempDir();
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
});

afterAll(async () => {
  await nats?.stop();
  await tmp?.remove();
});

describe.each(ENCRYPTION_MODES)('OAuth2 flows with token encryption %s', (mode: EncryptionMode) => {
  let km: KeyManagerUnderTest;
  let portal: KeyManagerClientUnderTest;
  let as: oauth.AuthorizationServer;
  /** Every secret handed out in this block: none may sit in the database in plaintext when encryption is on. */
  const issued: Array<{ what: string; value: string }> = [];
  const registeredClients: Array<RegisteredClient & { client_secret: string }> = [];
  const remember = (what: string, value: string | undefined) => value && issued.push({ what, value });

  const user = { username: `alice-${mode}`, password: 'correct horse 42' };

  beforeAll(async () => {
    km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url, encryption: mode, configName: `flows-${mode}.toml` });
    portal = await createKeyManagerClientForTest(km.config);
    await portal.client.call(KeyManagerPatterns.UserCreate, user);
    as = await discover(km);
  });

  afterAll(async () => {
    await portal?.close();
    await km?.stop();
  });

  async function confidential(metadata: Record<string, unknown>): Promise<RegisteredClient & { client_secret: string }> {
    const client = await register(km, metadata);
    remember('consumer secret', client.client_secret);
    registeredClients.push(client as RegisteredClient & { client_secret: string });
    return client as RegisteredClient & { client_secret: string };
  }

  async function introspect(token: string, authorization = adminAuth(km)): Promise<Record<string, unknown>> {
    const response = await postForm(`${km.baseUrl}/oauth2/introspect`, `token=${encodeURIComponent(token)}`, { authorization });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  test('metadata tells the truth about the endpoints, and discovery with oauth4webapi accepts it', async () => {
    expect(as).toMatchObject({
      issuer: km.config.oauth.issuer,
      token_endpoint: `${km.baseUrl}/oauth2/token`,
      authorization_endpoint: `${km.baseUrl}/oauth2/authorize`,
      introspection_endpoint: `${km.baseUrl}/oauth2/introspect`,
      revocation_endpoint: `${km.baseUrl}/oauth2/revoke`,
      jwks_uri: `${km.baseUrl}/oauth2/jwks`,
      // WSO2's list; plain only works for a client with pkceSupportPlain (PkceEnabledApplicationTestCase.spec.ts).
      code_challenge_methods_supported: ['S256', 'plain'],
      response_types_supported: ['code'],
    });
    expect(as.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials', 'password', 'refresh_token', 'authorization_code']));
    // Every advertised endpoint answers (not 404).
    for (const endpoint of [as.token_endpoint, as.introspection_endpoint, as.revocation_endpoint]) {
      expect((await postForm(endpoint!, '')).status).not.toBe(404);
    }
    expect((await fetch(as.jwks_uri!)).status).toBe(200);
  });

  test('client_credentials (Basic) issues a JWT that verifies against the JWKS and introspects with every field', async () => {
    const registered = await confidential({ grant_types: ['client_credentials'], token_type_extension: 'JWT', application_scopes: ['read', 'write'] });
    const client: oauth.Client = { client_id: registered.client_id };
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(registered.client_secret), new URLSearchParams({ scope: 'read write' }), insecure);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    remember('access token', tokens.access_token);
    expect(tokens.scope).toBe('read write');
    expect(tokens.expires_in).toBe(3600);

    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: as.issuer, audience: registered.client_id, typ: 'at+jwt', algorithms: ['RS256'] });
    expect(payload).toMatchObject({ client_id: registered.client_id, azp: registered.client_id, sub: registered.client_id, scope: 'read write' });
    expect(payload.exp! - payload.iat!).toBe(3600);
    const jwkSet = (await (await fetch(as.jwks_uri!)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwkSet.keys.map((k) => k.kid)).toContain(protectedHeader.kid);
    expect(jwkSet.keys[0]).toMatchObject({ use: 'sig', alg: 'RS256', kty: 'RSA' });
    remember('jti', payload.jti);

    const own = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(registered.client_secret), tokens.access_token, insecure));
    expect(own).toMatchObject({
      active: true,
      client_id: registered.client_id,
      scope: 'read write',
      token_type: 'Bearer',
      sub: registered.client_id,
      aud: registered.client_id,
      iss: as.issuer,
      jti: payload.jti,
      exp: payload.exp,
      iat: payload.iat,
      nbf: payload.nbf,
    });
  });

  test('introspection visibility: own client and resource servers and the super admin see a token, other clients do not', async () => {
    const owner = await confidential({ grant_types: ['client_credentials'], token_type_extension: 'Default' });
    const stranger = await confidential({ grant_types: ['client_credentials'] });
    const resourceServer = await confidential({ grant_types: ['client_credentials'], ext_resource_server: true });
    const client: oauth.Client = { client_id: owner.client_id };
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(owner.client_secret), new URLSearchParams(), insecure),
    );
    remember('access token', tokens.access_token);
    expect(tokens.access_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    // Nothing asked, nothing registered: WSO2's `default` (issue #16 item 9: never an empty scope).
    expect(tokens.scope).toBe('default');

    expect((await introspect(tokens.access_token)).active).toBe(true);
    expect((await introspect(tokens.access_token, basic(resourceServer.client_id, resourceServer.client_secret))).active).toBe(true);
    expect(await introspect(tokens.access_token, basic(stranger.client_id, stranger.client_secret))).toEqual({ active: false });
    expect(await introspect('no-such-token')).toEqual({ active: false });
  });

  test('password grant, refresh rotation, and reuse of a rotated refresh token revoking the chain', async () => {
    const registered = await confidential({ grant_types: ['password', 'refresh_token'], token_type_extension: 'Default', ext_user_token_lifetime: 600, scope: 'profile' });
    const client: oauth.Client = { client_id: registered.client_id };
    const auth = oauth.ClientSecretBasic(registered.client_secret);
    const passwordResponse = await postForm(
      as.token_endpoint!,
      new URLSearchParams({ grant_type: 'password', username: user.username, password: user.password, scope: 'profile' }).toString(),
      { authorization: basic(registered.client_id, registered.client_secret) },
    );
    const first = await oauth.processClientCredentialsResponse(as, client, passwordResponse);
    remember('access token', first.access_token);
    remember('refresh token', first.refresh_token);
    expect(first.expires_in).toBe(600);
    expect(first.refresh_token).toBeDefined();
    expect(await introspect(first.access_token)).toMatchObject({ active: true, username: user.username, sub: user.username, scope: 'profile' });
    expect(await introspect(first.refresh_token!)).toMatchObject({ active: true, token_type: 'refresh_token', client_id: registered.client_id });

    const second = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, first.refresh_token!, insecure));
    remember('access token', second.access_token);
    remember('refresh token', second.refresh_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.scope).toBe('profile');
    // The refreshed pair replaces the old one.
    expect((await introspect(first.access_token)).active).toBe(false);
    expect((await introspect(second.access_token)).active).toBe(true);

    // The first refresh token again: two parties hold it, so the chain dies.
    const reuse = await oauth.refreshTokenGrantRequest(as, client, auth, first.refresh_token!, insecure);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await introspect(second.access_token)).active).toBe(false);
    expect((await introspect(second.refresh_token!)).active).toBe(false);

    const wrongPassword = await postForm(as.token_endpoint!, new URLSearchParams({ grant_type: 'password', username: user.username, password: 'wrong password 1' }).toString(), {
      authorization: basic(registered.client_id, registered.client_secret),
    });
    expect(wrongPassword.status).toBe(400);
    expect(await wrongPassword.json()).toMatchObject({ error: 'invalid_grant' });
  });

  test('authorization code with PKCE for a public client, through the sign-in form; a replayed code revokes its tokens', async () => {
    const redirectUri = 'https://app.example.com/callback';
    const registered = await register(km, { ext_public_client: true, redirect_uris: [redirectUri], token_type_extension: 'JWT', application_scopes: ['openapi', 'read'] });
    expect(registered.client_secret).toBeUndefined();
    const client: oauth.Client = { client_id: registered.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: registered.client_id,
      redirect_uri: redirectUri,
      scope: 'openapi read',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    const bad = await signInAndAuthorize(url, user.username, 'not the password 1');
    expect(bad.status).toBe(401);
    expect(bad.page).toContain('Invalid user name or password');

    const signedIn = await signInAndAuthorize(url, user.username, user.password);
    expect(signedIn.status).toBe(302);
    const callback = new URL(signedIn.location!);
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    const params = oauth.validateAuthResponse(as, client, callback, state);
    remember('authorization code', params.get('code')!);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure),
    );
    remember('access token', tokens.access_token);
    remember('refresh token', tokens.refresh_token);
    remember('jti', String(decodeJwt(tokens.access_token).jti));
    expect(tokens.scope).toBe('openapi read');
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, username: user.username, client_id: registered.client_id });

    const replay = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await introspect(tokens.access_token)).active).toBe(false);
    expect((await introspect(tokens.refresh_token!)).active).toBe(false);
  });

  test('revocation: a refresh token takes its access token with it; unknown and foreign tokens answer 200 and change nothing', async () => {
    const registered = await confidential({ grant_types: ['password', 'refresh_token'], token_type_extension: 'JWT' });
    const other = await confidential({ grant_types: ['client_credentials'] });
    const client: oauth.Client = { client_id: registered.client_id };
    const auth = oauth.ClientSecretBasic(registered.client_secret);
    const response = await postForm(as.token_endpoint!, new URLSearchParams({ grant_type: 'password', username: user.username, password: user.password }).toString(), {
      authorization: basic(registered.client_id, registered.client_secret),
    });
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    remember('access token', tokens.access_token);
    remember('refresh token', tokens.refresh_token);
    remember('jti', String(decodeJwt(tokens.access_token).jti));

    // Another client cannot revoke it.
    const foreign = await oauth.revocationRequest(as, { client_id: other.client_id }, oauth.ClientSecretBasic(other.client_secret), tokens.refresh_token!, insecure);
    await oauth.processRevocationResponse(foreign);
    expect((await introspect(tokens.access_token)).active).toBe(true);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, 'unknown-token-value', insecure));
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.refresh_token!, { ...insecure, additionalParameters: { token_type_hint: 'refresh_token' } }));
    expect((await introspect(tokens.refresh_token!)).active).toBe(false);
    expect((await introspect(tokens.access_token)).active).toBe(false);
  });

  test(
    mode === 'hashing' ? 'DCR shows a consumer secret stored as a hash only when it issues it, and never again' : 'DCR shows the consumer secret on registration, read and update',
    async () => {
      const registered = await confidential({ grant_types: ['client_credentials'], client_name: `shown-${mode}` });
      expect(registered.client_secret.length).toBeGreaterThan(16);
      const read = (await (await fetch(`${km.baseUrl}/keymanager-operations/dcr/register/${registered.client_id}`, { headers: { authorization: adminAuth(km) } })).json()) as Record<string, unknown>;
      const updated = (await (
        await fetch(`${km.baseUrl}/keymanager-operations/dcr/register/${registered.client_id}`, {
          method: 'PUT',
          headers: { authorization: adminAuth(km), 'content-type': 'application/json' },
          body: JSON.stringify({ client_name: `shown-${mode}-2` }),
        })
      ).json()) as Record<string, unknown>;
      for (const body of [read, updated]) {
        expect(body).toMatchObject({ client_id: registered.client_id });
        if (mode === 'hashing') expect(body).not.toHaveProperty('client_secret');
        else expect(body).toMatchObject({ client_secret: registered.client_secret });
      }
    },
  );

  test(mode === 'off' ? 'with encryption off, secrets are stored as they are, under scheme "plain"' : 'the database holds none of the issued secrets in plaintext, yet every look-up works', async () => {
    expect(issued.length).toBeGreaterThan(10);
    const { stdout } = await run('pg_dump', ['--schema', km.schema, '--data-only', TEST_DATABASE_URL], { maxBuffer: 64 * 1024 * 1024 });
    const schemes = await queryTestDatabase<{ scheme: string }>(
      `SELECT DISTINCT s AS scheme FROM (SELECT client_secret_scheme s FROM oauth_clients WHERE client_secret IS NOT NULL UNION ALL SELECT access_token_scheme FROM oauth_tokens
         UNION ALL SELECT refresh_token_scheme FROM oauth_tokens WHERE refresh_token IS NOT NULL UNION ALL SELECT code_scheme FROM authorization_codes) x`,
      [],
      km.schema,
    );
    if (mode === 'off') {
      expect(schemes.map((s) => s.scheme)).toEqual(['plain']);
      // Opaque values and jtis are stored as issued (a JWT itself is never stored, only its jti).
      for (const secret of issued.filter((s) => s.what !== 'access token' || !s.value.includes('.'))) expect(stdout).toContain(secret.value);
    } else {
      const expected = mode === 'aes-gcm' ? /^AES\/GCM\/NoPadding:/ : mode === 'hashing' ? /^hash:SHA-256$/ : /^RSA\/ECB\/OAEPwithSHA1andMGF1Padding:[0-9A-F]{40}$/;
      for (const { scheme } of schemes) expect(scheme).toMatch(expected);
      const leaked = issued.filter((s) => stdout.includes(s.value));
      expect(leaked.map((s) => s.what)).toEqual([]);
    }
    // Look-ups by hash still work on what is stored: the clients registered above still authenticate.
    for (const c of registeredClients) {
      const response = await postForm(as.token_endpoint!, 'grant_type=client_credentials', { authorization: basic(c.client_id, c.client_secret) });
      expect([200, 400]).toContain(response.status); // 400 unauthorized_client for clients without that grant — but never 401
      if (response.status === 400) expect(await response.json()).toMatchObject({ error: 'unauthorized_client' });
    }
  });
});
