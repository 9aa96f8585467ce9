// Hostile input refused at the edge (issue 10, defects 5 and 6), on both services and the bus: the NUL cases
// the adversarial review found (each a 500 before: PostgreSQL refuses U+0000 with error 22021) and JSON nested
// 30,000 deep (a stack overflow in the validation layer). Each must be a 400, or a 401 for credentials.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { KeyManagerPatterns, RpcErrorCodes } from '@app/contracts';
import { KeyManagerCallError } from '@app/platform';
import { devportalApi, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../support/key-manager-client.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { otherSpellings } from '../support/jwt-spellings.js';
import { queryTestDatabase } from '../support/test-database.js';
import { createTestKeystore } from '../support/test-keystore.js';

jest.setTimeout(90_000);

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;
let bus: KeyManagerClientUnderTest;
const user = { username: 'nora', password: 'Nora-password-1' };
let token: string;
let applicationId: string;
let client: { id: string; secret: string };

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
let admin: string;

beforeAll(async () => {
  tmp = await makeTempDir('edge-input-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url });
  bus = await createKeyManagerClientForTest(stack.keyManager.config);
  admin = basic(stack.keyManager.admin.username, stack.keyManager.admin.password);
  const call = devportalApi(stack.devportal.apiUrl);
  expect((await call('POST', '/signup', { json: user })).status).toBe(201);
  token = (await call<{ access_token: string }>('POST', '/login', { json: user })).body.access_token;
  applicationId = (await call<{ applicationId: string }>('POST', '/applications', { token, json: { name: 'edge' } })).body.applicationId;
  const keys = await call<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${applicationId}/generate-keys`, {
    token,
    json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password', 'authorization_code'], callbackUrl: 'https://app.example/cb' },
  });
  client = { id: keys.body.consumerKey, secret: keys.body.consumerSecret };
});

afterAll(async () => {
  await bus?.close();
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

interface Case {
  what: string;
  send: () => Promise<Response>;
  status: number;
  error?: string;
}

const km = (path: string, init: RequestInit = {}) => fetch(`${stack.keyManager.baseUrl}${path}`, init);
const form = (body: string, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const portal = (path: string, init: RequestInit = {}) => fetch(`${stack.devportal.apiUrl}${path}`, init);

// The review's 17 cases, in its order.
const NUL_CASES: Case[] = [
  { what: 'token: client_id=a%00b (client_secret_post)', send: () => km('/oauth2/token', form('grant_type=client_credentials&client_id=a%00b&client_secret=x')), status: 401, error: 'invalid_client' },
  { what: 'token: password grant username=a%00b', send: () => km('/oauth2/token', form('grant_type=password&username=a%00b&password=x', { authorization: basic(client.id, client.secret) })), status: 400, error: 'invalid_grant' },
  { what: 'token: Authorization: Basic ADoA', send: () => km('/oauth2/token', form('grant_type=client_credentials', { authorization: 'Basic ADoA' })), status: 401, error: 'invalid_client' },
  { what: 'introspect: Authorization: Basic ADoA', send: () => km('/oauth2/introspect', form('token=x', { authorization: 'Basic ADoA' })), status: 401, error: 'invalid_client' },
  { what: 'revoke: Basic with a%00b as the client id', send: () => km('/oauth2/revoke', form('token=x', { authorization: basic('a%00b', 'x') })), status: 401, error: 'invalid_client' },
  { what: 'authorize: GET ?client_id=a%00b', send: () => km('/oauth2/authorize?response_type=code&client_id=a%00b&redirect_uri=https%3A%2F%2Fapp.example%2Fcb'), status: 401, error: 'invalid_client' },
  {
    what: 'authorize: the sign-in form with username a%00b',
    send: () => km('/oauth2/authorize', form(`response_type=code&client_id=${client.id}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&username=a%00b&password=x&action=approve`)),
    status: 400,
    error: 'invalid_grant',
  },
  { what: 'DCR register: client_name with a NUL', send: () => km('/keymanager-operations/dcr/register', json('POST', { client_name: 'a\u0000b', grant_types: ['client_credentials'] }, { authorization: admin })), status: 400, error: 'invalid_client_metadata' },
  {
    what: 'DCR register: ext_application_owner with a NUL',
    send: () => km('/keymanager-operations/dcr/register', json('POST', { client_name: 'ok', grant_types: ['client_credentials'], ext_application_owner: 'a\u0000b' }, { authorization: admin })),
    status: 400,
    error: 'invalid_client_metadata',
  },
  { what: 'DCR GET /register/%00', send: () => km('/keymanager-operations/dcr/register/%00', { headers: { authorization: admin } }), status: 400, error: 'invalid_request' },
  { what: 'DCR PUT /register/%00', send: () => km('/keymanager-operations/dcr/register/%00', json('PUT', { client_name: 'x' }, { authorization: admin })), status: 400, error: 'invalid_request' },
  { what: 'DCR DELETE /register/%00', send: () => km('/keymanager-operations/dcr/register/%00', { method: 'DELETE', headers: { authorization: admin } }), status: 400, error: 'invalid_request' },
  { what: 'DCR: admin Basic with a NUL in the user name', send: () => km('/keymanager-operations/dcr/register', json('POST', { client_name: 'x' }, { authorization: basic('admin\u0000', 'x') })), status: 401, error: 'invalid_client' },
  { what: 'portal /login: username with a NUL', send: () => portal('/login', json('POST', { username: 'a\u0000b', password: 'x' })), status: 401 },
  // Sign-up checks no credential: its user name and password are a new account's, so a NUL there is a malformed request.
  { what: 'portal /signup: username with a NUL', send: () => portal('/signup', json('POST', { username: 'a\u0000b', password: 'Good-password-1' })), status: 400 },
  { what: 'portal: application description on create', send: () => portal('/applications', json('POST', { name: 'n', description: 'a\u0000b' }, { authorization: `Bearer ${token}` })), status: 400 },
  { what: 'portal: application description on update', send: () => portal(`/applications/${applicationId}`, json('PUT', { name: 'edge', description: 'a\u0000b' }, { authorization: `Bearer ${token}` })), status: 400 },
  { what: 'portal: ?query= with a NUL', send: () => portal('/applications?query=a%00b', { headers: { authorization: `Bearer ${token}` } }), status: 400 },
];

it.each(NUL_CASES)('refuses a NUL at the edge: $what → $status', async ({ send, status, error }) => {
  const response = await send();
  const body = (await response.json()) as Record<string, unknown>;
  expect({ status: response.status, ...(error ? { error: body['error'] } : {}) }).toEqual({ status, ...(error ? { error } : {}) });
  // The refusal says what is wrong without quoting the value.
  expect(JSON.stringify(body)).toMatch(/control character or NUL/);
});

it('refuses a NUL on the bus: a credential is INVALID_CREDENTIALS, anything else (sign-up included) INVALID_REQUEST', async () => {
  const refusal = async (pattern: Parameters<typeof bus.client.call>[0], data: unknown) => {
    try {
      await bus.client.call(pattern, data as never);
      return 'accepted';
    } catch (e) {
      return e instanceof KeyManagerCallError ? e.code : String(e);
    }
  };
  expect(await refusal(KeyManagerPatterns.UserAuthenticate, { username: 'a\u0000b', password: 'x' })).toBe(RpcErrorCodes.InvalidCredentials);
  expect(await refusal(KeyManagerPatterns.UserCreate, { username: 'ok-name', password: 'Pass\u0000word-1' })).toBe(RpcErrorCodes.InvalidRequest);
});

it('refuses JSON nested 30,000 deep with 400 on both services, before validation', async () => {
  const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
  const responses = [
    await portal('/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"username":"deep","password":${deep}}` }),
    await portal('/applications', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: `{"name":${deep}}` }),
    await km('/keymanager-operations/dcr/register', { method: 'POST', headers: { 'content-type': 'application/json', authorization: admin }, body: `{"client_name":"x","grant_types":${deep}}` }),
  ];
  const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, text: await r.text() })));
  expect(bodies.map((b) => b.status)).toEqual([400, 400, 400]);
  for (const b of bodies) expect(b.text).toMatch(/more than 32 levels deep/);
  // A body as deep as the limit still reaches validation (and is refused there for its shape, not its depth).
  const atLimit = await portal('/applications', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: `{"name":"ok","attributes":${'['.repeat(31)}${']'.repeat(31)}}` });
  expect(atLimit.status).toBe(400);
  expect(await atLimit.text()).not.toMatch(/levels deep/);
});

it('still serves normal requests with control characters where they belong (a newline in a description)', async () => {
  const response = await portal(`/applications/${applicationId}`, json('PUT', { name: 'edge', description: 'line one\nline two\ttabbed' }, { authorization: `Bearer ${token}` }));
  expect(response.status).toBe(200);
});

it('accepts a JWT only in its canonical spelling: introspection, the portal and the bus refuse any other (issue 10 defect 8)', async () => {
  const spellings = otherSpellings(token);
  expect(spellings.map((s) => s.how)).toContain('signature: unused bits of the last character flipped');
  const introspect = async (t: string) => ((await (await km('/oauth2/introspect', form(`token=${t}`, { authorization: admin }))).json()) as { active: boolean }).active;
  const validate = async (t: string) => (await bus.client.call(KeyManagerPatterns.TokenValidate, { token: t })).active;
  // The token itself works everywhere…
  expect({ introspected: await introspect(token), portal: (await portal('/applications', { headers: { authorization: `Bearer ${token}` } })).status, bus: await validate(token) }).toEqual({
    introspected: true,
    portal: 200,
    bus: true,
  });
  // …and no other spelling of it anywhere.
  for (const { how, token: respelled } of spellings) {
    const outcome = { how, introspected: await introspect(encodeURIComponent(respelled)), portal: (await portal('/applications', { headers: { authorization: `Bearer ${respelled}` } })).status, bus: await validate(respelled) };
    expect(outcome).toEqual({ how, introspected: false, portal: 401, bus: false });
  }
});

it('counts a credential refused at the edge as a failed attempt, on HTTP, through the portal and on the bus; a locked account gets 429', async () => {
  const schema = stack.keyManager.schema;
  const failures = async (key: string) =>
    Number((await queryTestDatabase<{ failures: number }>('SELECT failures FROM auth_failures WHERE key = $1', [key], schema))[0]?.failures ?? 0);
  const rows = async () => Number((await queryTestDatabase<{ n: string }>('SELECT count(*) AS n FROM auth_failures', [], schema))[0]!.n);
  const auth = { authorization: basic(client.id, client.secret) };

  // Key Manager, HTTP: a NUL in a user's password at the password grant, in a client's secret at the token endpoint.
  expect((await km('/oauth2/token', form('grant_type=password&username=edge-victim-1&password=a%00b', auth))).status).toBe(400);
  expect({ account: await failures('user:edge-victim-1'), here: await failures('user:edge-victim-1|ip:127.0.0.1') }).toEqual({ account: 1, here: 1 });
  expect((await km('/oauth2/token', form(`grant_type=client_credentials&client_id=${client.id}&client_secret=a%00b`))).status).toBe(401);
  expect(await failures(`client:${client.id}`)).toBe(1);
  // The portal's log-in, checked by the Key Manager: counted there, under the address the portal saw.
  expect((await portal('/login', json('POST', { username: 'edge-victim-2', password: 'a\u0000b' }))).status).toBe(401);
  expect(await failures('user:edge-victim-2|ip:127.0.0.1')).toBe(1);
  // The bus, with the address the caller passes.
  await expect(bus.client.call(KeyManagerPatterns.UserAuthenticate, { username: 'edge-victim-3', password: 'a\u0000b', sourceAddress: '10.1.2.3' })).rejects.toMatchObject({
    code: RpcErrorCodes.InvalidCredentials,
  });
  expect(await failures('user:edge-victim-3|ip:10.1.2.3')).toBe(1);
  // Sign-up is not a log-in: nothing counted.
  const before = await rows();
  expect((await portal('/signup', json('POST', { username: 'edge-new', password: 'Pass\u0000word-1' }))).status).toBe(400);
  expect(await rows()).toBe(before);

  // A locked account: the refused attempt is answered as every attempt at it is, 429 with Retry-After.
  await queryTestDatabase(`INSERT INTO auth_failures (key, failures, last_failure_at, locked_until) VALUES ('user:edge-locked', 99, now(), now() + interval '60 seconds')`, [], schema);
  const grant = await km('/oauth2/token', form('grant_type=password&username=edge-locked&password=a%00b', auth));
  const login = await portal('/login', json('POST', { username: 'edge-locked', password: 'a\u0000b' }));
  expect([grant.status, login.status]).toEqual([429, 429]);
  expect(Number(grant.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(Number(login.headers.get('retry-after'))).toBeGreaterThan(0);
});
