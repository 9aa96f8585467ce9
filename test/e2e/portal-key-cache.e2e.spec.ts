import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { devportalApi, startTwoPortalsForTest, type ApiResponse, type DevportalUnderTest, type TwoPortalsUnderTest } from '../support/devportal.js';
import { keyManagerOAuth } from '../support/oauth-client.js';

jest.setTimeout(180_000);

/** A cache TTL far longer than the test waits: a change seen within it comes from the broadcast, not from expiry. */
const KEY_CACHE_TTL_SEC = 120;
/** How long an instance may take to hear another's change (the broadcast crosses NATS). */
const HEARD_WITHIN_MS = 2000;

interface Key {
  token: string;
  applicationId: string;
  keyMappingId: string;
  consumerSecret: string;
}

/**
 * Two portal instances (one schema, each its own NATS connection and key cache) and a Key Manager on a real
 * NATS server and PostgreSQL: generate-token at B serves the key from its cache, and a change made through A
 * (secret regenerated, key or application deleted, grant types changed) is seen at B at once, however long
 * its cache would have kept the key. A user who does not own the key is never answered from the cache.
 */
describe('generate-token keys cached at one instance follow changes made at another', () => {
  let portals: TwoPortalsUnderTest;
  let a: DevportalUnderTest;
  let b: DevportalUnderTest;
  let user = 0;

  beforeAll(async () => {
    portals = await startTwoPortalsForTest({ devportal: { keyCacheTtlSec: KEY_CACHE_TTL_SEC } });
    ({ a, b } = portals);
  });

  afterAll(() => portals?.stop());

  async function loggedIn(): Promise<{ username: string; token: string }> {
    const username = `keycache-user-${++user}`;
    const password = 'keycache-password-1';
    expect((await devportalApi(a.apiUrl)('POST', '/signup', { json: { username, password } })).status).toBe(201);
    const login = await devportalApi(a.apiUrl)<{ access_token: string }>('POST', '/login', { json: { username, password } });
    expect(login.status).toBe(200);
    return { username, token: login.body.access_token };
  }

  /** A new user's application with client_credentials keys made at A, which B has used once (and cached). */
  async function keyCachedAtB(): Promise<Key> {
    const { token } = await loggedIn();
    const app = await devportalApi(a.apiUrl)<{ applicationId: string }>('POST', '/applications', { token, json: { name: `app-${user}` } });
    expect(app.status).toBe(201);
    const keys = await devportalApi(a.apiUrl)<{ keyMappingId: string; consumerSecret: string }>('POST', `/applications/${app.body.applicationId}/generate-keys`, {
      token,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password'], validityTime: 3600 },
    });
    expect(keys.status).toBe(200);
    const key = { token, applicationId: app.body.applicationId, keyMappingId: keys.body.keyMappingId, consumerSecret: keys.body.consumerSecret };
    expect((await generateToken(b, key)).status).toBe(200);
    return key;
  }

  function generateToken(portal: DevportalUnderTest, key: Key, options: { token?: string; consumerSecret?: string } = {}): Promise<ApiResponse> {
    return devportalApi(portal.apiUrl)('POST', `/applications/${key.applicationId}/oauth-keys/${key.keyMappingId}/generate-token`, {
      token: options.token ?? key.token,
      json: { consumerSecret: options.consumerSecret ?? key.consumerSecret, validityPeriod: 600 },
    });
  }

  /**
   * Polls generate-token at `portal` (every 10 ms) until it stops answering 200; returns that answer and how
   * long it took. Fails after {@link HEARD_WITHIN_MS}: far below the cache's TTL.
   */
  async function refusedAt(portal: DevportalUnderTest, key: Key, options: { consumerSecret?: string } = {}): Promise<{ answer: ApiResponse; ms: number }> {
    const start = Date.now();
    for (;;) {
      const answer = await generateToken(portal, key, options);
      if (answer.status !== 200) return { answer, ms: Date.now() - start };
      if (Date.now() - start > HEARD_WITHIN_MS) throw new Error(`${portal.baseUrl} still serves the key ${HEARD_WITHIN_MS} ms after it changed at another instance`);
      await sleep(10);
    }
  }

  it('regenerating the secret at A: B refuses the old secret at once and takes the new one', async () => {
    const key = await keyCachedAtB();
    const regenerated = await devportalApi(a.apiUrl)<{ consumerSecret: string }>('POST', `/applications/${key.applicationId}/oauth-keys/${key.keyMappingId}/regenerate-secret`, {
      token: key.token,
    });
    expect(regenerated.status).toBe(200);
    const { answer, ms } = await refusedAt(b, key);
    console.log(`secret regenerated at A: B refused the old secret after ${ms} ms (key cache TTL ${KEY_CACHE_TTL_SEC} s)`);
    // Today's answer to a wrong secret, as A (which read the new row) gives it.
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual((await generateToken(a, key)).body);
    expect((await generateToken(b, key, { consumerSecret: regenerated.body.consumerSecret })).status).toBe(200);
  });

  it('deleting the key at A: B answers 404 KEY_NOT_FOUND at once, as for a key that never existed', async () => {
    const key = await keyCachedAtB();
    expect((await devportalApi(a.apiUrl)('DELETE', `/applications/${key.applicationId}/oauth-keys/${key.keyMappingId}`, { token: key.token })).status).toBe(200);
    const { answer } = await refusedAt(b, key);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, message: 'Not Found', description: `key mapping ${key.keyMappingId} not found for this application` });
    expect(answer.body).toEqual((await generateToken(a, key)).body);
  });

  // A mapped client is the user's own: deleting its key leaves it in the Key Manager, which would go on
  // issuing tokens to it, so only the broadcast keeps B from serving the deleted key.
  it('deleting a mapped key at A (its client stays in the Key Manager): B answers 404 KEY_NOT_FOUND at once', async () => {
    const { token } = await loggedIn();
    const app = await devportalApi(a.apiUrl)<{ applicationId: string }>('POST', '/applications', { token, json: { name: `mapped-${user}` } });
    const client = await (await keyManagerOAuth(portals.keyManager.baseUrl)).registerClient(portals.keyManager.admin, {
      client_name: `keycache-mapped-${user}`,
      grant_types: ['client_credentials'],
      ext_application_owner: 'admin',
    });
    const mapped = await devportalApi(a.apiUrl)<{ keyMappingId: string }>('POST', `/applications/${app.body.applicationId}/map-keys`, {
      token,
      json: { consumerKey: client.clientId, consumerSecret: client.clientSecret, keyType: 'PRODUCTION' },
    });
    expect(mapped.status).toBe(200);
    const key = { token, applicationId: app.body.applicationId, keyMappingId: mapped.body.keyMappingId, consumerSecret: client.clientSecret };
    expect((await generateToken(b, key)).status).toBe(200);
    expect((await devportalApi(a.apiUrl)('DELETE', `/applications/${key.applicationId}/oauth-keys/${key.keyMappingId}`, { token })).status).toBe(200);
    const { answer } = await refusedAt(b, key);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, message: 'Not Found', description: `key mapping ${key.keyMappingId} not found for this application` });
  });

  it('deleting the application at A: B answers 404 for the application at once', async () => {
    const key = await keyCachedAtB();
    expect((await devportalApi(a.apiUrl)('DELETE', `/applications/${key.applicationId}`, { token: key.token })).status).toBe(200);
    const { answer } = await refusedAt(b, key);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, message: 'Not Found', description: `application ${key.applicationId} not found` });
  });

  it('dropping client_credentials from the grant types at A: B refuses at once with the grant error', async () => {
    const key = await keyCachedAtB();
    const updated = await devportalApi(a.apiUrl)('PUT', `/applications/${key.applicationId}/oauth-keys/${key.keyMappingId}`, {
      token: key.token,
      json: { supportedGrantTypes: ['password'] },
    });
    expect(updated.status).toBe(200);
    const { answer } = await refusedAt(b, key);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 400, description: 'this key does not support the client_credentials grant; add it to supportedGrantTypes first' });
    expect(answer.body).toEqual((await generateToken(a, key)).body);
  });

  it("another user gets 404 for a key B has cached for its owner, every time; the owner's calls go on", async () => {
    const key = await keyCachedAtB();
    const stranger = await loggedIn();
    for (let i = 0; i < 2; i++) {
      const answer = await generateToken(b, key, { token: stranger.token });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ code: 404, message: 'Not Found', description: `application ${key.applicationId} not found` });
    }
    expect((await generateToken(b, key)).status).toBe(200);
  });
});
