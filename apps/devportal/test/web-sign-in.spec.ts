// The web app's sign-in endpoints (apps/devportal/src/web-session) driven over plain HTTP, as a browser —
// or an attacker — would: the backend-for-frontend flow through the Key Manager's sign-in page, the cookie
// that binds a sign-in to the browser that started it, single-use `state`, the CSRF token on every change,
// and sign-out. The browser story (test/browser) covers the same path through the UI; this suite pins down
// the refusals, which a UI test cannot reach. Real Key Manager and portal on a private NATS, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { signInAndAuthorize } from '../../../test/support/authorize-form.js';
import { signUpAndLogIn, startStackForTest, type StackUnderTest } from '../../../test/support/devportal.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { TEST_DATABASE_URL } from '../../../test/support/test-database.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;
const user = { username: `web-${randomBytes(4).toString('hex')}`, password: `Web-sign-in ${randomBytes(6).toString('hex')} 7` };

beforeAll(async () => {
  tmp = await makeTempDir('web-sign-in-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url });
  await signUpAndLogIn(stack.devportal.apiUrl, user.username, user.password);
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

/** `name=value` of a Set-Cookie header naming `name`, and the header itself. */
function cookieFrom(response: Response, name: string): { pair: string; header: string } | undefined {
  const header = response.headers.getSetCookie().find((h) => h.startsWith(`${name}=`));
  return header ? { pair: header.split(';')[0]!, header } : undefined;
}

interface StartedSignIn {
  authorize: URL;
  binding: string;
}

async function startSignIn(query = ''): Promise<StartedSignIn> {
  const response = await fetch(`${stack.devportal.baseUrl}/devportal/auth/sign-in${query}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const binding = cookieFrom(response, 'dp_signin');
  expect(binding).toBeDefined();
  return { authorize: new URL(response.headers.get('location')!), binding: binding!.pair };
}

/** Signs in at the Key Manager's page and returns the callback address it sends the browser to. */
async function authorizeAt(started: StartedSignIn): Promise<URL> {
  const answer = await signInAndAuthorize(started.authorize, user.username, user.password);
  expect(answer.status).toBe(302);
  return new URL(answer.location!);
}

async function callback(url: URL, cookie?: string): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

async function signedIn(): Promise<{ session: string; csrfToken: string }> {
  const started = await startSignIn();
  const answer = await callback(await authorizeAt(started), started.binding);
  const session = cookieFrom(answer, 'dp_session');
  expect(session).toBeDefined();
  const who = await fetch(`${stack.devportal.baseUrl}/devportal/auth/session`, { headers: { cookie: session!.pair } });
  expect(who.status).toBe(200);
  const body = (await who.json()) as { csrfToken: string };
  return { session: session!.pair, csrfToken: body.csrfToken };
}

describe('web sign-in through the Key Manager (backend-for-frontend)', () => {
  it('sends the browser to /oauth2/authorize with code + PKCE S256 and a state bound to an HttpOnly cookie', async () => {
    const started = await startSignIn();
    expect(`${started.authorize.origin}${started.authorize.pathname}`).toBe(`${stack.keyManager.baseUrl}/oauth2/authorize`);
    const params = started.authorize.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe('apim-devportal');
    expect(params.get('redirect_uri')).toBe(`${stack.devportal.baseUrl}/devportal/auth/callback`);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    // Nothing the page could replay: no verifier in the address.
    expect(params.get('code_verifier')).toBeNull();
    const response = await fetch(`${stack.devportal.baseUrl}/devportal/auth/sign-in`, { redirect: 'manual' });
    const header = cookieFrom(response, 'dp_signin')!.header;
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).toMatch(/; Path=\/devportal\/auth/);
  });

  it('completes: an HttpOnly session cookie, the binding cleared, back where the user started', async () => {
    const started = await startSignIn('?returnTo=%2Fdevportal%2Fsettings%3Ftab%3Dsandbox');
    const answer = await callback(await authorizeAt(started), started.binding);
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/devportal/settings?tab=sandbox');
    const session = cookieFrom(answer, 'dp_session')!;
    expect(session.header).toMatch(/; HttpOnly/);
    expect(session.header).toMatch(/; SameSite=Lax/);
    expect(cookieFrom(answer, 'dp_signin')!.header).toMatch(/Max-Age=0/);
    const who = await fetch(`${stack.devportal.baseUrl}/devportal/auth/session`, { headers: { cookie: session.pair } });
    expect(who.status).toBe(200);
    expect(who.headers.get('cache-control')).toBe('no-store');
    const body = (await who.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ username: user.username, keyManagerUrl: stack.keyManager.baseUrl });
    // The session holds tokens server-side: none reaches the browser.
    expect(JSON.stringify(body)).not.toMatch(/access_token|refresh_token|eyJ/);
  });

  it('never sends the user to another site after sign-in (returnTo is a path of this app only; anything else gives the applications page)', async () => {
    for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const started = await startSignIn(`?returnTo=${encodeURIComponent(returnTo)}`);
      const answer = await callback(await authorizeAt(started), started.binding);
      expect(answer.headers.get('location')).toBe('/devportal/applications');
    }
  });

  it('refuses a state used once already (a replayed callback), without a session', async () => {
    const started = await startSignIn();
    const url = await authorizeAt(started);
    expect(cookieFrom(await callback(url, started.binding), 'dp_session')).toBeDefined();
    const replay = await callback(url, started.binding);
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toBe('/devportal/?signin=failed');
    expect(cookieFrom(replay, 'dp_session')).toBeUndefined();
  });

  it("refuses a callback in another browser (no or another sign-in cookie): login CSRF", async () => {
    const started = await startSignIn();
    const other = await startSignIn();
    const url = await authorizeAt(started);
    for (const cookie of [undefined, other.binding]) {
      const answer = await callback(url, cookie);
      expect(answer.headers.get('location')).toBe('/devportal/?signin=failed');
      expect(cookieFrom(answer, 'dp_session')).toBeUndefined();
    }
  });

  it('refuses an unknown state, an expired sign-in, and a callback with no code', async () => {
    const started = await startSignIn();
    const url = await authorizeAt(started);
    const forged = new URL(url);
    forged.searchParams.set('state', randomBytes(32).toString('base64url'));
    expect((await callback(forged, started.binding)).headers.get('location')).toBe('/devportal/?signin=failed');

    // Sign-ins last 10 minutes: age this one in the database rather than wait.
    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      await db.query(`UPDATE "${stack.devportal.schema}".web_sign_ins SET expires_at = now() - interval '1 second'`);
    } finally {
      await db.end();
    }
    const expired = await callback(url, started.binding);
    expect(expired.headers.get('location')).toBe('/devportal/?signin=failed');
    expect(cookieFrom(expired, 'dp_session')).toBeUndefined();

    const noCode = new URL(`${stack.devportal.baseUrl}/devportal/auth/callback?state=x`);
    expect((await callback(noCode, started.binding)).headers.get('location')).toBe('/devportal/?signin=failed');
  });

  it('says "denied" when the user denies at the Key Manager', async () => {
    const url = new URL(`${stack.devportal.baseUrl}/devportal/auth/callback?error=access_denied&state=x`);
    expect((await callback(url)).headers.get('location')).toBe('/devportal/?signin=denied');
  });
});

describe('requests with the session cookie', () => {
  it('reads without a CSRF token, but changes nothing without the right one (403), and does with it', async () => {
    const { session, csrfToken } = await signedIn();
    const api = stack.devportal.apiUrl;
    const list = await fetch(`${api}/applications`, { headers: { cookie: session } });
    expect(list.status).toBe(200);

    const create = (headers: Record<string, string>) =>
      fetch(`${api}/applications`, {
        method: 'POST',
        headers: { cookie: session, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: `web-${randomBytes(3).toString('hex')}`, throttlingPolicy: 'Unlimited' }),
      });
    for (const headers of [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': '' }] as Record<string, string>[]) {
      const refused = await create(headers);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toMatch(/CSRF/);
    }
    expect((await fetch(`${api}/applications`, { headers: { cookie: session } }).then((r) => r.json()) as { count: number }).count).toBe(0);
    expect((await create({ 'x-csrf-token': csrfToken })).status).toBe(201);
  });

  it('signs out only with the CSRF token; afterwards the cookie is dead everywhere', async () => {
    const { session, csrfToken } = await signedIn();
    const signOut = (headers: Record<string, string>) => fetch(`${stack.devportal.baseUrl}/devportal/auth/sign-out`, { method: 'POST', headers: { cookie: session, ...headers } });
    expect((await signOut({})).status).toBe(403);
    expect((await fetch(`${stack.devportal.baseUrl}/devportal/auth/session`, { headers: { cookie: session } })).status).toBe(200);

    const out = await signOut({ 'x-csrf-token': csrfToken });
    expect(out.status).toBe(204);
    expect(cookieFrom(out, 'dp_session')!.header).toMatch(/Max-Age=0/);
    expect((await fetch(`${stack.devportal.baseUrl}/devportal/auth/session`, { headers: { cookie: session } })).status).toBe(401);
    expect((await fetch(`${stack.devportal.apiUrl}/applications`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('renews the access token with the refresh token before it expires, unnoticed; a session past its end is gone', async () => {
    const { session, csrfToken } = await signedIn();
    // The row is found by the SHA-256 of the cookie's value.
    const id = createHash('sha256').update(session.slice(session.indexOf('=') + 1)).digest('hex');
    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    const row = async () =>
      (await db.query<{ tokens: string; access_expires_at: Date; refreshed_at: Date }>(`SELECT tokens, access_expires_at, refreshed_at FROM "${stack.devportal.schema}".web_sessions WHERE id = $1`, [id])).rows[0];
    const ask = (path: string) => fetch(`${stack.devportal.baseUrl}${path}`, { headers: { cookie: session } });
    try {
      const before = (await row())!;
      // The access token is due: the next request renews it, unnoticed by the browser.
      await db.query(`UPDATE "${stack.devportal.schema}".web_sessions SET access_expires_at = now() WHERE id = $1`, [id]);
      expect((await ask('/api/am/devportal/v3/applications')).status).toBe(200);
      const renewed = (await row())!;
      expect(renewed.tokens).not.toBe(before.tokens);
      expect(renewed.access_expires_at.getTime()).toBeGreaterThan(Date.now() + 60_000);
      expect(renewed.refreshed_at.getTime()).toBeGreaterThan(before.refreshed_at.getTime());
      expect(((await (await ask('/devportal/auth/session')).json()) as { csrfToken: string }).csrfToken).toBe(csrfToken);

      // Past its end (the refresh token's lifetime): 401, and the row is deleted.
      await db.query(`UPDATE "${stack.devportal.schema}".web_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
      expect((await ask('/devportal/auth/session')).status).toBe(401);
      expect((await ask('/api/am/devportal/v3/applications')).status).toBe(401);
      expect(await row()).toBeUndefined();
    } finally {
      await db.end();
    }
  });

  it('ignores a cookie that is not one it set (401, no error)', async () => {
    for (const cookie of ['dp_session=nonsense', `dp_session=${randomBytes(32).toString('base64url')}`, 'dp_session=a%00b']) {
      const response = await fetch(`${stack.devportal.baseUrl}/devportal/auth/session`, { headers: { cookie } });
      expect(response.status).toBe(401);
    }
  });
});
