import { jest } from '@jest/globals';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';
import { basic, register } from './km-test.helpers.js';

jest.setTimeout(60_000);

const SPA = 'https://spa.example.com';
const OTHER = 'https://evil.example.net';

let tmp: TestConfigDir;
let keystore: TestKeystore;

beforeAll(async () => {
  tmp = await makeTempDir();
  keystore = await createTestKeystore(tmp.dir);
});

afterAll(async () => {
  await tmp?.remove();
});

/** A browser's preflight for a POST with an Authorization header. */
function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  });
}

describe('CORS with [cors] allowed_origins', () => {
  let km: KeyManagerUnderTest;

  beforeAll(async () => {
    km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: 'in-process', configName: 'cors.toml', toml: { cors: { allowed_origins: [SPA], max_age: 600 } } });
  });

  afterAll(async () => {
    await km?.stop();
  });

  test.each([
    ['/oauth2/token', 'POST'],
    ['/oauth2/revoke', 'POST'],
    ['/oauth2/userinfo', 'GET, POST'],
    ['/oauth2/jwks', 'GET'],
    ['/.well-known/openid-configuration', 'GET'],
    ['/.well-known/oauth-authorization-server', 'GET'],
    ['/oauth2/token/.well-known/openid-configuration', 'GET'],
  ])('a preflight to %s from the allowed origin is answered', async (path, methods) => {
    const response = await preflight(`${km.baseUrl}${path}`, SPA, methods.split(', ')[0]);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(response.headers.get('access-control-allow-methods')).toBe(methods);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  test('a preflight from another origin is refused, without CORS headers', async () => {
    const response = await preflight(`${km.baseUrl}/oauth2/token`, OTHER);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toMatchObject({ error: 'access_denied' });
  });

  test('responses to the allowed origin carry Access-Control-Allow-Origin, errors included; others do not', async () => {
    const registered = await register(km, { grant_types: ['client_credentials'] });
    const token = await fetch(`${km.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { origin: SPA, 'content-type': 'application/x-www-form-urlencoded', authorization: basic(registered.client_id, registered.client_secret!) },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    expect(token.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(token.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/);

    const failed = await fetch(`${km.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { origin: SPA, 'content-type': 'application/x-www-form-urlencoded', authorization: basic(registered.client_id, 'wrong') },
      body: 'grant_type=client_credentials',
    });
    expect(failed.status).toBe(401);
    expect(failed.headers.get('access-control-allow-origin')).toBe(SPA);

    const jwks = await fetch(`${km.baseUrl}/oauth2/jwks`, { headers: { origin: OTHER } });
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('endpoints for servers and sign-in pages get no CORS at all', async () => {
    for (const path of ['/oauth2/introspect', '/keymanager-operations/dcr/register', '/oauth2/authorize']) {
      const response = await preflight(`${km.baseUrl}${path}`, SPA);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('CORS by default', () => {
  test('nothing is allowed: preflights are refused and responses carry no CORS headers', async () => {
    const km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: 'in-process', configName: 'cors-default.toml' });
    try {
      expect((await preflight(`${km.baseUrl}/oauth2/token`, SPA)).status).toBe(403);
      const metadata = await fetch(`${km.baseUrl}/.well-known/openid-configuration`, { headers: { origin: SPA } });
      expect(metadata.status).toBe(200);
      expect(metadata.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await km.stop();
    }
  });

  test('allow_any_origin answers every origin with *', async () => {
    const km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: 'in-process', configName: 'cors-any.toml', toml: { cors: { allow_any_origin: true } } });
    try {
      const response = await preflight(`${km.baseUrl}/oauth2/token`, OTHER);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await km.stop();
    }
  });
});
