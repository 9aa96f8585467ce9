import { jest } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT } from '@app/contracts';
import { loadKeystore } from '@app/crypto';
import { freePort } from '../../../test/support/free-port.js';
import { otherSpellings } from '../../../test/support/jwt-spellings.js';
import type { KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';
import { adminAuth, basic, discover, discoverWithOpenidClient, insecure, postForm, register, startKeyManagerWithUser, type KeyManagerWithUser } from './km-test.helpers.js';

jest.setTimeout(60_000);

const user = { username: 'frank', password: 'correct horse 42' };
const PARTNER = 'https://idp.partner.example';
const LEGACY = 'legacy-billing';

let system: KeyManagerWithUser;
let km: KeyManagerUnderTest;
let jwksServer: Server;
let partnerKey: CryptoKey;
let legacyKey: import('node:crypto').KeyObject;
let tokenEndpoint: string;
let certificates: TestConfigDir;

/** A JWT as a trusted issuer would sign it; claims default to a fresh, valid assertion for this Key Manager. */
function partnerJwt(claims: JWTPayload = {}, key: CryptoKey | import('node:crypto').KeyObject = partnerKey, alg = 'ES256'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: PARTNER, sub: user.username, aud: tokenEndpoint, iat: now, exp: now + 300, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg, kid: 'partner-1' })
    .sign(key);
}

beforeAll(async () => {
  // The partner identity provider publishes its keys at a JWKS URL; the legacy system has a certificate.
  const partner = await generateKeyPair('ES256');
  partnerKey = partner.privateKey;
  const jwk = { ...(await exportJWK(partner.publicKey)), kid: 'partner-1', alg: 'ES256', use: 'sig' };
  jwksServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  const jwksPort = await freePort();
  await new Promise<void>((resolve) => jwksServer.listen(jwksPort, '127.0.0.1', resolve));

  certificates = await makeTempDir();
  const legacy = await loadKeystore(await createTestKeystore(certificates.dir, 'legacy.p12'));
  legacyKey = legacy.privateKey;
  const legacyPem = join(certificates.dir, 'legacy.pem');
  await writeFile(legacyPem, legacy.certificatePem);

  system = await startKeyManagerWithUser(user, {
    encryption: 'aes-gcm',
    toml: {
      oauth: {
        trusted_issuer: [
          { name: 'partner', issuer: PARTNER, jwks_uri: `http://127.0.0.1:${jwksPort}/jwks` },
          { name: 'legacy', issuer: LEGACY, certificate: legacyPem, subjects: 'federated', audiences: ['billing-to-km'] },
        ],
      },
    },
  });
  km = system.km;
  tokenEndpoint = `${km.baseUrl}/oauth2/token`;
});

afterAll(async () => {
  await system?.stop();
  await certificates?.remove();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

async function introspect(token: string): Promise<Record<string, unknown>> {
  return (await (await postForm(`${km.baseUrl}/oauth2/introspect`, `token=${encodeURIComponent(token)}`, { authorization: adminAuth(km) })).json()) as Record<string, unknown>;
}

describe('RFC 7523 jwt-bearer with trusted issuers', () => {
  test('a partner JWT (JWKS) for a local user, with openid-client: tokens and an ID token for that user', async () => {
    const registered = await register(km, { grant_types: [JWT_BEARER_GRANT, 'refresh_token'], token_type_extension: 'JWT', application_scopes: ['orders'] });
    const config = await discoverWithOpenidClient(km.config.oauth.issuer, registered.client_id, registered.client_secret);
    expect(config.serverMetadata().grant_types_supported).toEqual(expect.arrayContaining([JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT]));
    const tokens = await client.genericGrantRequest(config, JWT_BEARER_GRANT, { assertion: await partnerJwt(), scope: 'openid orders' });
    expect(tokens.scope).toBe('openid orders');
    expect(tokens.refresh_token).toBeDefined();
    expect(tokens.claims()).toMatchObject({ sub: user.username, aud: registered.client_id });
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, username: user.username, client_id: registered.client_id });
  });

  test("a certificate issuer's federated subject becomes <name>/<sub>, never a local user", async () => {
    const registered = await register(km, { grant_types: [JWT_BEARER_GRANT] });
    const as = await discover(km);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: LEGACY, sub: user.username, aud: 'billing-to-km', exp: now + 60 }).setProtectedHeader({ alg: 'RS256' }).sign(legacyKey);
    const response = await oauth.genericTokenEndpointRequest(as, { client_id: registered.client_id }, oauth.ClientSecretBasic(registered.client_secret!), JWT_BEARER_GRANT, { assertion }, insecure);
    const tokens = await oauth.processGenericTokenEndpointResponse(as, { client_id: registered.client_id }, response);
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, username: `legacy/${user.username}` });
  });

  test("refusals carry WSO2's messages", async () => {
    const registered = await register(km, { grant_types: [JWT_BEARER_GRANT] });
    const auth = { authorization: basic(registered.client_id, registered.client_secret!) };
    const grant = async (assertion: string) => {
      const response = await postForm(tokenEndpoint, new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(), auth);
      expect(response.status).toBe(400);
      return ((await response.json()) as { error: string; error_description: string });
    };
    const now = Math.floor(Date.now() / 1000);
    const other = (await generateKeyPair('ES256')).privateKey;
    const cases: Array<[string, string]> = [
      ['not a JWT', `No Valid Assertion was found for ${JWT_BEARER_GRANT}`],
      [await partnerJwt({ sub: undefined }), 'Mandatory fields(Issuer, Subject, Expiration time or Audience) are empty in the given JSON Web Token.'],
      [await partnerJwt({ iss: 'https://unknown.example' }), 'No registered identity provider found for the JWT issuer'],
      [await partnerJwt({}, other), 'Signature or Message Authentication invalid.'],
      [await partnerJwt({ aud: 'https://elsewhere.example/token' }), `None of the audience values matched the tokenEndpoint Alias ${tokenEndpoint}, ${km.config.oauth.issuer}`],
      [await partnerJwt({ exp: now - 400 }), 'JSON Web Token is expired.'],
      [await partnerJwt({ nbf: now + 400 }), 'JSON Web Token is used before Not_Before_Time.'],
      [await partnerJwt({ iat: now - 3600 }), 'JSON Web Token is issued before the allowed time.'],
      [await partnerJwt({ sub: 'nobody-here' }), "the JWT's subject is not a user of this Key Manager"],
      // A valid assertion in a non-canonical spelling (issue 10 defect 8): the same bytes, another text.
      ...otherSpellings(await partnerJwt()).map(({ token }): [string, string] => [token, `No Valid Assertion was found for ${JWT_BEARER_GRANT}`]),
    ];
    for (const [assertion, message] of cases) expect(await grant(assertion)).toEqual({ error: 'invalid_grant', error_description: message });

    // An assertion works once.
    const once = await partnerJwt();
    expect((await postForm(tokenEndpoint, new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: once }).toString(), auth)).status).toBe(200);
    expect(await grant(once)).toEqual({ error: 'invalid_grant', error_description: 'JWT Token has been replayed before the allowed expiry time' });

    // A client without the grant.
    const cc = await register(km, { grant_types: ['client_credentials'] });
    const refused = await postForm(tokenEndpoint, new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: await partnerJwt() }).toString(), {
      authorization: basic(cc.client_id, cc.client_secret!),
    });
    expect(await refused.json()).toMatchObject({ error: 'unauthorized_client' });
  });
});

describe('RFC 8693 token exchange', () => {
  let frontend: { client_id: string; client_secret?: string };
  let userToken: { access_token: string; expires_in: number };

  beforeAll(async () => {
    frontend = await register(km, { grant_types: ['password'], token_type_extension: 'Default', ext_user_token_lifetime: 600, application_scopes: ['orders', 'read'] });
    const response = await postForm(tokenEndpoint, new URLSearchParams({ grant_type: 'password', username: user.username, password: user.password, scope: 'orders read' }).toString(), {
      authorization: basic(frontend.client_id, frontend.client_secret!),
    });
    userToken = (await response.json()) as typeof userToken;
  });

  test('with openid-client: a backend trades the user token for its own, narrower, no longer-lived, without refresh', async () => {
    const backend = await register(km, { grant_types: [TOKEN_EXCHANGE_GRANT, 'refresh_token'], token_type_extension: 'JWT', ext_user_token_lifetime: 7200, application_scopes: ['orders'] });
    const config = await discoverWithOpenidClient(km.config.oauth.issuer, backend.client_id, backend.client_secret);
    const exchanged = await client.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, {
      subject_token: userToken.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'orders',
    });
    expect(exchanged).toMatchObject({ token_type: 'bearer', scope: 'orders', issued_token_type: 'urn:ietf:params:oauth:token-type:jwt' });
    expect(exchanged.refresh_token).toBeUndefined();
    expect(exchanged.expires_in).toBeLessThanOrEqual(600);
    expect(await introspect(exchanged.access_token)).toMatchObject({ active: true, username: user.username, client_id: backend.client_id, scope: 'orders' });
    // The subject token is untouched.
    expect((await introspect(userToken.access_token)).active).toBe(true);
  });

  test('a trusted issuer JWT as the subject token, limited to its scope claim', async () => {
    const backend = await register(km, { grant_types: [TOKEN_EXCHANGE_GRANT], token_type_extension: 'Default', application_scopes: ['orders'] });
    const auth = { authorization: basic(backend.client_id, backend.client_secret!) };
    const subject = await partnerJwt({ scope: 'orders' });
    const form = (extra: Record<string, string>) =>
      postForm(tokenEndpoint, new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', ...extra }).toString(), auth);
    const ok = (await (await form({})).json()) as { access_token: string; scope: string; issued_token_type: string };
    expect(ok).toMatchObject({ scope: 'orders', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });
    expect(await introspect(ok.access_token)).toMatchObject({ active: true, username: user.username });
    expect(await (await form({ scope: 'orders admin' })).json()).toMatchObject({ error: 'invalid_scope' });
    // The same subject token in another spelling (issue 10 defect 8).
    for (const { token } of otherSpellings(subject)) {
      const response = await postForm(tokenEndpoint, new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: token, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' }).toString(), auth);
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 400, body: { error: 'invalid_request', error_description: `No Valid Assertion was found for ${TOKEN_EXCHANGE_GRANT}` } });
    }
  });

  test('refusals', async () => {
    const backend = await register(km, { grant_types: [TOKEN_EXCHANGE_GRANT], token_type_extension: 'Default' });
    const auth = { authorization: basic(backend.client_id, backend.client_secret!) };
    const exchange = async (params: Record<string, string>) => {
      const response = await postForm(tokenEndpoint, new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, ...params }).toString(), auth);
      expect(response.status).toBe(400);
      return (await response.json()) as { error: string; error_description: string };
    };
    const subject = { subject_token: userToken.access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' };
    expect(await exchange({ ...subject, subject_token: 'not-a-token' })).toEqual({ error: 'invalid_request', error_description: 'Invalid Subject Token. Subject token is not ACTIVE.' });
    expect(await exchange({ ...subject, subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' })).toEqual({ error: 'invalid_request', error_description: 'Unsupported subject token type' });
    expect(await exchange({ ...subject, requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).toEqual({ error: 'invalid_request', error_description: 'Unsupported requested token type' });
    expect(await exchange({ ...subject, audience: 'someone-else' })).toEqual({ error: 'invalid_target', error_description: 'Invalid audience value provided' });
    expect((await exchange({ ...subject, actor_token: userToken.access_token, actor_token_type: subject.subject_token_type })).error).toBe('invalid_request');
    expect((await exchange({ ...subject, scope: 'orders write' })).error).toBe('invalid_scope');
    expect((await exchange({ subject_token_type: subject.subject_token_type })).error).toBe('invalid_request');

    // An application token speaks for no user.
    const cc = await register(km, { grant_types: ['client_credentials'], token_type_extension: 'Default' });
    const app = (await (await postForm(tokenEndpoint, 'grant_type=client_credentials', { authorization: basic(cc.client_id, cc.client_secret!) })).json()) as { access_token: string };
    expect((await exchange({ ...subject, subject_token: app.access_token })).error_description).toMatch(/application, not a user/);

    // A revoked subject token is not ACTIVE.
    await postForm(`${km.baseUrl}/oauth2/revoke`, `token=${encodeURIComponent(userToken.access_token)}`, { authorization: basic(frontend.client_id, frontend.client_secret!) });
    expect((await exchange(subject)).error_description).toBe('Invalid Subject Token. Subject token is not ACTIVE.');
  });
});
