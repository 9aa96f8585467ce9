import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as client from 'openid-client';
import { DEVICE_CODE_GRANT } from '@app/contracts';
import type { KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { TEST_DATABASE_URL } from '../../../test/support/test-database.js';
import { basic, discoverWithOpenidClient as discover, postForm, register, startKeyManagerWithUser, type KeyManagerWithUser } from './km-test.helpers.js';

const run = promisify(execFile);
jest.setTimeout(60_000);

const user = { username: 'dana', password: 'correct horse 42' };

let system: KeyManagerWithUser;
let km: KeyManagerUnderTest;

beforeAll(async () => {
  system = await startKeyManagerWithUser(user, { encryption: 'rsa-oaep', toml: { 'oauth.device_flow': { polling_interval: 1 } } });
  km = system.km;
});

afterAll(async () => {
  await system?.stop();
});

/** What a person does on another screen: open the verification link, sign in, allow (or deny). */
async function approveOnTheWeb(link: string, action: 'approve' | 'deny' = 'approve', password = user.password): Promise<{ status: number; page: string }> {
  const pageResponse = await fetch(link);
  const page = await pageResponse.text();
  expect(pageResponse.status).toBe(200);
  expect(pageResponse.headers.get('x-frame-options')).toBe('DENY');
  const userCode = /name="user_code" value="([^"]+)"/.exec(page)![1]!;
  const response = await postForm(`${km.baseUrl}/oauth2/device`, new URLSearchParams({ user_code: userCode, username: user.username, password, action }).toString());
  return { status: response.status, page: await response.text() };
}

describe('the device authorization grant (RFC 8628) with openid-client', () => {
  test('a public client starts, the user approves on the verification page, the device gets tokens and an ID token', async () => {
    const registered = await register(km, { ext_public_client: true, grant_types: [DEVICE_CODE_GRANT, 'refresh_token'], application_scopes: ['devices'] });
    const config = await discover(km.config.oauth.issuer, registered.client_id);
    expect(config.serverMetadata().device_authorization_endpoint).toBe(`${km.baseUrl}/oauth2/device_authorize`);

    const started = await client.initiateDeviceAuthorization(config, { scope: 'openid devices' });
    expect(started).toMatchObject({ verification_uri: `${km.baseUrl}/oauth2/device`, expires_in: 600, interval: 1 });
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri_complete).toBe(`${km.baseUrl}/oauth2/device?user_code=${started.user_code}`);

    const polling = client.pollDeviceAuthorizationGrant(config, started);
    const web = await approveOnTheWeb(started.verification_uri_complete!);
    expect(web.status).toBe(200);
    expect(web.page).toContain('Device connected');

    const tokens = await polling;
    expect(tokens.scope).toBe('openid devices');
    expect(tokens.refresh_token).toBeDefined();
    expect(tokens.claims()).toMatchObject({ sub: user.username, aud: registered.client_id });
    expect(tokens.claims()!.auth_time).toEqual(expect.any(Number));
    expect(await client.fetchUserInfo(config, tokens.access_token, user.username)).toEqual({ sub: user.username });

    // The device code works once.
    const again = await postForm(`${km.baseUrl}/oauth2/token`, new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: started.device_code, client_id: registered.client_id }).toString());
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'expired_token', error_description: 'Forbidden' });
  });

  test("polling answers with WSO2's codes: authorization_pending, slow_down, then access_denied once the user denies", async () => {
    const registered = await register(km, { grant_types: [DEVICE_CODE_GRANT] });
    const auth = { authorization: basic(registered.client_id, registered.client_secret!) };
    const start = await postForm(`${km.baseUrl}/oauth2/device_authorize`, 'scope=read', auth);
    expect(start.status).toBe(200);
    expect(start.headers.get('cache-control')).toBe('no-store');
    const started = (await start.json()) as { device_code: string; verification_uri_complete: string };
    const poll = () => postForm(`${km.baseUrl}/oauth2/token`, new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: started.device_code }).toString(), auth);

    const pending = await poll();
    expect(pending.status).toBe(400);
    expect(await pending.json()).toEqual({ error: 'authorization_pending', error_description: 'Precondition required' });
    expect(await (await poll()).json()).toEqual({ error: 'slow_down', error_description: 'Forbidden' });

    expect((await approveOnTheWeb(started.verification_uri_complete, 'deny')).page).toContain('Request denied');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await (await poll()).json()).toMatchObject({ error: 'access_denied' });

    const unknown = await postForm(`${km.baseUrl}/oauth2/token`, new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: 'no-such-code' }).toString(), auth);
    expect(await unknown.json()).toEqual({ error: 'invalid_request', error_description: 'The provided device code is not registered or is invalid.' });
  });

  test('another client cannot redeem the device code; a client without the grant cannot start', async () => {
    const owner = await register(km, { grant_types: [DEVICE_CODE_GRANT] });
    const other = await register(km, { grant_types: [DEVICE_CODE_GRANT] });
    const started = (await (await postForm(`${km.baseUrl}/oauth2/device_authorize`, '', { authorization: basic(owner.client_id, owner.client_secret!) })).json()) as {
      device_code: string;
      verification_uri_complete: string;
    };
    await approveOnTheWeb(started.verification_uri_complete);
    const stolen = await postForm(`${km.baseUrl}/oauth2/token`, new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: started.device_code }).toString(), {
      authorization: basic(other.client_id, other.client_secret!),
    });
    expect(await stolen.json()).toMatchObject({ error: 'invalid_request' });

    const noGrant = await register(km, { grant_types: ['client_credentials'] });
    const refused = await postForm(`${km.baseUrl}/oauth2/device_authorize`, '', { authorization: basic(noGrant.client_id, noGrant.client_secret!) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'unauthorized_client' });
  });

  test('the verification page: a code typed by hand, a wrong code, a wrong password', async () => {
    const registered = await register(km, { grant_types: [DEVICE_CODE_GRANT] });
    const started = (await (await postForm(`${km.baseUrl}/oauth2/device_authorize`, '', { authorization: basic(registered.client_id, registered.client_secret!) })).json()) as {
      user_code: string;
      verification_uri: string;
    };
    const enter = await fetch(started.verification_uri);
    expect(enter.status).toBe(200);
    expect(await enter.text()).toContain('Enter the code shown on your device');

    const wrong = await fetch(`${started.verification_uri}?user_code=BBBB-BBBB`);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That code is not valid');

    // Typed in lowercase with a space: still the code.
    const typed = started.user_code.toLowerCase().replace('-', ' ');
    const approvePage = await fetch(`${started.verification_uri}?user_code=${encodeURIComponent(typed)}`);
    expect(approvePage.status).toBe(200);
    expect(await approvePage.text()).toContain(started.user_code);

    const badPassword = await approveOnTheWeb(`${started.verification_uri}?user_code=${started.user_code}`, 'approve', 'not the password 1');
    expect(badPassword.status).toBe(401);
    expect(badPassword.page).toContain('Invalid user name or password');
    expect((await approveOnTheWeb(`${started.verification_uri}?user_code=${started.user_code}`)).status).toBe(200);
    // Decided: the code no longer opens the page.
    expect((await fetch(`${started.verification_uri}?user_code=${started.user_code}`)).status).toBe(400);
  });

  test('the device code is stored encrypted like every other secret', async () => {
    const registered = await register(km, { grant_types: [DEVICE_CODE_GRANT] });
    const started = (await (await postForm(`${km.baseUrl}/oauth2/device_authorize`, '', { authorization: basic(registered.client_id, registered.client_secret!) })).json()) as {
      device_code: string;
    };
    const { stdout } = await run('pg_dump', ['--schema', km.schema, '--table', `${km.schema}.device_authorizations`, '--data-only', TEST_DATABASE_URL]);
    expect(stdout).toMatch(/RSA\/ECB\/OAEPwithSHA1andMGF1Padding:/);
    expect(stdout).not.toContain(started.device_code);
  });
});
