// The HTTP fuzz suite: every route both services serve (enumerated from their routers, so a new route is
// fuzzed the day it lands) driven with generated hostile requests — NUL and control characters, invalid
// UTF-8, huge and deeply nested bodies, wrong types, every content type, header and query abuse — over raw
// TCP, so nothing a client library would refuse to send is left out. Real Postgres, real NATS, real HTTP,
// encryption on.
//
// It asserts: no 5xx, no hang, both services still answer, and no secret in any response or log line.
// Failures are collected (one per status × method × route) and printed with the request that caused them,
// so a report shows every defect of a run at once. Seeded: FUZZ_SEED=<n> reruns a run exactly (the same
// requests in the same order); FUZZ_TIME_MS bounds it (default 45 s: CI runs it on every change; a longer hunt sets
// FUZZ_TIME_MS=600000 and a new FUZZ_SEED); FUZZ_RUNS caps the number of requests.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { servedRoutes, type ServedRoute } from '@app/platform';
import { DEVPORTAL_API, devportalApi, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const TIME_MS = Number(process.env.FUZZ_TIME_MS ?? 45_000);
const MAX_RUNS = Number(process.env.FUZZ_RUNS ?? 1_000_000);
/** A request that has no answer after this long is a hang (generous: the machine may be loaded). */
const HANG_MS = 20_000;

jest.setTimeout(TIME_MS + 180_000);

/** Put into every password, secret and credential the fuzzer sends: it must never come back or reach a log. */
const FUZZ_SECRET = `FuzzSecret${SEED}q7Zr`;

interface Fixtures {
  portalToken: string;
  applicationId: string;
  keyMappingId: string;
  consumerKey: string;
  consumerSecret: string;
  dcrClientId: string;
  dcrClientSecret: string;
}

interface Target {
  service: 'key-manager' | 'devportal';
  port: number;
  route: ServedRoute;
}

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;
let stack: StackUnderTest;
const logs: { keyManager: LogCapture; devportal: LogCapture } = { keyManager: captureLogs(), devportal: captureLogs() };
const user = { username: 'fuzz-owner', password: `Owner-${randomBytes(9).toString('base64url')}-1` };
let fixtures: Fixtures;

async function prepareFixtures(round: number): Promise<Fixtures> {
  const call = devportalApi(stack.devportal.apiUrl);
  const login = await call<{ access_token: string }>('POST', '/login', { json: user });
  if (login.status !== 200) throw new Error(`fixture login answered ${login.status}: ${login.text}`);
  const token = login.body.access_token;
  const app = await call<{ applicationId: string }>('POST', '/applications', { token, json: { name: `fuzz-${round}-${randomBytes(3).toString('hex')}` } });
  if (app.status !== 201) throw new Error(`fixture application answered ${app.status}: ${app.text}`);
  const keys = await call<{ keyMappingId: string; consumerKey: string; consumerSecret: string }>('POST', `/applications/${app.body.applicationId}/generate-keys`, {
    token,
    json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials', 'password', 'refresh_token', 'authorization_code'], callbackUrl: 'https://app.example/cb' },
  });
  if (keys.status !== 200) throw new Error(`fixture keys answered ${keys.status}: ${keys.text}`);
  const admin = `Basic ${Buffer.from(`${stack.keyManager.admin.username}:${stack.keyManager.admin.password}`).toString('base64')}`;
  const registered = await fetch(`${stack.keyManager.baseUrl}/keymanager-operations/dcr/register`, {
    method: 'POST',
    headers: { authorization: admin, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: `fuzz-dcr-${round}`, grant_types: ['client_credentials'], ext_application_owner: user.username }),
  });
  const client = (await registered.json()) as { client_id: string; client_secret: string };
  if (registered.status !== 201) throw new Error(`fixture DCR client answered ${registered.status}`);
  return {
    portalToken: token,
    applicationId: app.body.applicationId,
    keyMappingId: keys.body.keyMappingId,
    consumerKey: keys.body.consumerKey,
    consumerSecret: keys.body.consumerSecret,
    dcrClientId: client.client_id,
    dcrClientSecret: client.client_secret,
  };
}

beforeAll(async () => {
  tmp = await makeTempDir('http-fuzz-');
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({
    dir: tmp.dir,
    keystore,
    encryption: 'rsa-oaep',
    nats: nats.url,
    devportal: { logLevel: 'info' },
    // The throttles are not under test here: they would only turn later requests into 429s.
    toml: { 'oauth.auth_throttle': { account_address_max_failures: 1_000_000, account_max_failures: 1_000_000, address_max_accounts: 1_000_000 } },
    logs,
  });
  const signup = await devportalApi(stack.devportal.apiUrl)('POST', '/signup', { json: user });
  if (signup.status !== 201) throw new Error(`fixture signup answered ${signup.status}: ${signup.text}`);
  fixtures = await prepareFixtures(0);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

// ---------------------------------------------------------------------------------------------------------
// Generators

/** Characters that have broken parsers, drivers and databases. */
const NASTY_CHARS = ['\0', '\u0001', '\u0007', '\b', '\t', '\u000b', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0', '\u2028', '\u202e', '\ufeff', '\uffff', '\ud800', '\udfff', '😀', 'é', '%', '%00', '"', "'", '\\', '<', '>', '&', '{', '}', '[', ']', ':', '/', '..', ';', '=', '+', ' '];

const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...NASTY_CHARS, 'a', 'b', '1'), maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom('a\0b', '\0', 'admin\0', '\ud800', 'a\u0000', '%00', '../../etc/passwd', "' OR '1'='1", '${7*7}', '<script>x</script>', '', ' ') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
);

/** A value produced when the request is sent (fixtures change while the fuzzer runs). */
type Lazy = () => unknown;

/**
 * What each field plausibly holds, so that a request gets past the first check and the hostile part reaches
 * deep code (a NUL in `username` only matters once `grant_type` and the client are right). Secrets the
 * fuzzer makes up are always FUZZ_SECRET, which must never be shown or logged.
 */
const PLAUSIBLE: Record<string, Lazy[]> = {
  grant_type: ['password', 'client_credentials', 'refresh_token', 'authorization_code', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange'].map((g) => () => g),
  client_id: [() => fixtures.consumerKey, () => fixtures.dcrClientId],
  client_secret: [() => fixtures.consumerSecret, () => FUZZ_SECRET],
  username: [() => user.username, () => 'admin', () => 'nobody'],
  password: [() => FUZZ_SECRET],
  scope: [() => 'openid', () => 'default openid'],
  code: [() => FUZZ_SECRET],
  redirect_uri: [() => 'https://app.example/cb'],
  refresh_token: [() => FUZZ_SECRET],
  token: [() => fixtures.portalToken, () => FUZZ_SECRET],
  token_type_hint: [() => 'access_token', () => 'refresh_token'],
  response_type: [() => 'code'],
  state: [() => 'xyz'],
  nonce: [() => 'n-0S6'],
  code_verifier: [() => FUZZ_SECRET],
  code_challenge: [() => 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
  code_challenge_method: [() => 'S256'],
  assertion: [() => FUZZ_SECRET],
  subject_token: [() => fixtures.portalToken],
  subject_token_type: [() => 'urn:ietf:params:oauth:token-type:access_token'],
  device_code: [() => FUZZ_SECRET],
  user_code: [() => 'ABCD-EFGH'],
  action: [() => 'approve', () => 'deny'],
  client_name: [() => 'fuzz client'],
  redirect_uris: [() => ['https://app.example/cb']],
  grant_types: [() => ['client_credentials'], () => ['client_credentials', 'password']],
  ext_application_owner: [() => user.username],
  ext_application_token_lifetime: [() => 3600],
  ext_param_client_id: [() => 'fuzz-client-id'],
  ext_param_client_secret: [() => FUZZ_SECRET],
  application_scopes: [() => ['orders:read'], () => ['orders:read', 'orders:write']],
  token_endpoint_auth_method: [() => 'client_secret_basic'],
  application_type: [() => 'web'],
  name: [() => 'fuzz app'],
  description: [() => 'a description'],
  throttlingPolicy: [() => 'Unlimited'],
  tokenType: [() => 'JWT'],
  attributes: [() => ({})],
  groups: [() => []],
  keyType: [() => 'PRODUCTION', () => 'SANDBOX'],
  grantTypesToBeSupported: [() => ['client_credentials']],
  callbackUrl: [() => 'https://app.example/cb'],
  scopes: [() => ['default']],
  validityTime: [() => 3600],
  additionalProperties: [() => ({})],
  consumerSecret: [() => fixtures.consumerSecret, () => FUZZ_SECRET],
  revokeToken: [() => FUZZ_SECRET],
  keyManager: [() => 'Resident Key Manager'],
  supportedGrantTypes: [() => ['client_credentials']],
  limit: [() => 10],
  offset: [() => 0],
  query: [() => 'fuzz'],
};
const FIELD_NAMES = Object.keys(PLAUSIBLE);

/** Fields whose values are secrets: when hostile, they stay secrets (FUZZ_SECRET with a hostile part). */
const SECRET_FIELDS = new Set(['client_secret', 'password', 'consumerSecret', 'code_verifier', 'refresh_token', 'code', 'assertion', 'ext_param_client_secret', 'revokeToken', 'device_code']);

/** Ways to spoil a plausible value: a nasty character spliced in, a nasty string, a wrong type. */
const spoil: fc.Arbitrary<(plausible: unknown, secret: boolean) => unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constantFrom(...NASTY_CHARS), fc.nat()).map(([c, at]) => (p: unknown) => {
      const text = typeof p === 'string' ? p : JSON.stringify(p);
      const i = at % (text.length + 1);
      return `${text.slice(0, i)}${c}${text.slice(i)}`;
    }),
  },
  { weight: 3, arbitrary: nastyString.map((n) => (_: unknown, secret: boolean) => (secret ? `${FUZZ_SECRET}${n}` : n)) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, -1, 1e308, true, null, [], {}, ['a\0b'], { nested: 'a\0b' }).map((v) => () => v) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => () => v) },
);

/** A field: a known name with a plausible value, spoiled or not; now and then a made-up name. */
const field: fc.Arbitrary<[string, Lazy]> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.nat(), fc.option(spoil, { freq: 2 })).map(([name, pick, spoiler]): [string, Lazy] => {
      const choices = PLAUSIBLE[name]!;
      const plausible = choices[pick % choices.length]!;
      return [name, spoiler ? () => spoiler(plausible(), SECRET_FIELDS.has(name)) : plausible];
    }),
  },
  { weight: 1, arbitrary: fc.tuple(nastyString, nastyString).map(([n, v]): [string, Lazy] => [n.slice(0, 200), () => v]) },
);

const fields = fc.uniqueArray(field, { maxLength: 7, selector: ([name]) => name });

const UNRESERVED = /[A-Za-z0-9._~-]/;
const PERCENT = Array.from({ length: 256 }, (_, byte) => {
  const c = String.fromCharCode(byte);
  return UNRESERVED.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});

/** Percent-encodes every byte of a string's UTF-8 (or raw bytes as they are: invalid UTF-8 included). */
function percentEncode(value: string | Uint8Array): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const out = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = PERCENT[bytes[i]!]!;
  return out.join('');
}

/** Fields as a form or a query string; now and then with invalid UTF-8 or broken escapes. */
const urlEncoded: fc.Arbitrary<() => string> = fc
  .tuple(fields, fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 12 }).map(percentEncode), fc.constantFrom('%', '%0', '%zz', '%C0%80', '%ED%A0%80', '%FF', '+', '%2B%00')), { maxLength: 1 }))
  .map(([pairs, broken]) => () =>
    [...pairs.map(([k, v]) => {
      const value = v();
      return `${percentEncode(k)}=${percentEncode(typeof value === 'string' ? value : JSON.stringify(value) ?? '')}`;
    }), ...broken.map((b) => `client_id=${b}`)].join('&'),
  );

function deepJson(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

type Body = { kind: string; bytes: () => Buffer; contentType?: string };

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=latin1', 'text/plain', 'text/html', 'multipart/form-data; boundary=xyz', 'application/xml',
  'application/jwt', 'application/octet-stream', 'application/merge-patch+json', '*/*', 'application/', 'json', 'application/json\u0000',
  'application/x-www-form-urlencoded, application/json',
];

const jsonOf = (pairs: Array<[string, Lazy]>) => JSON.stringify(Object.fromEntries(pairs.map(([k, v]) => [k, v()])));

const body: fc.Arbitrary<Body | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 5, arbitrary: fields.map((f): Body => ({ kind: 'json', bytes: () => Buffer.from(jsonOf(f)), contentType: 'application/json' })) },
  { weight: 5, arbitrary: urlEncoded.map((form): Body => ({ kind: 'form', bytes: () => Buffer.from(form()), contentType: 'application/x-www-form-urlencoded' })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 500, max: 40_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
      .map(([depth, shape]): Body => ({ kind: `json nested ${depth} deep (${shape})`, bytes: () => Buffer.from(deepJson(depth, shape)), contentType: 'application/json' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 200, max: 20_000 }), fields, fc.constantFrom('name', 'username', 'client_name', 'grantTypesToBeSupported', 'redirect_uris'))
      .map(([depth, f, deepField]): Body => ({
        kind: `json with ${deepField} nested ${depth} deep`,
        bytes: () => Buffer.from(jsonOf([...f, [deepField, () => '@deep@']]).replace('"@deep@"', deepJson(depth, 'array'))),
        contentType: 'application/json',
      })),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b): Body => ({ kind: 'random bytes', bytes: () => Buffer.from(b) })) },
  { weight: 1, arbitrary: fc.constantFrom('{', '[1,', '{"a":1,"a":2}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', 'null', '1', '"x"', '[]', '\ufeff{}', '{"name":"\\u0000"}', '{"username":"a\\ud800"}').map((s): Body => ({ kind: 'odd json', bytes: () => Buffer.from(s), contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.integer({ min: 70_000, max: 3_000_000 }).map((n): Body => ({ kind: `huge body of ${n} bytes`, bytes: () => Buffer.alloc(n, 'a') })) },
);

type Credential = { kind: string; value: () => string };

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

const authorization: fc.Arbitrary<Credential | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Credential>(
      { kind: 'valid portal bearer', value: () => `Bearer ${fixtures.portalToken}` },
      { kind: 'valid client basic', value: () => basic(fixtures.consumerKey, fixtures.consumerSecret) },
      { kind: 'valid DCR client basic', value: () => basic(fixtures.dcrClientId, fixtures.dcrClientSecret) },
      { kind: 'valid admin basic', value: () => basic(stack.keyManager.admin.username, stack.keyManager.admin.password) },
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom<Lazy>(() => fixtures.consumerKey, () => 'admin', () => user.username), spoil, fc.constantFrom('', FUZZ_SECRET, `${FUZZ_SECRET}\0`))
      .map(([id, spoiler, secret]): Credential => ({ kind: 'basic with a spoiled user/client id', value: () => basic(String(spoiler(id(), false)), secret) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64')), fc.constantFrom('ADoA', 'AA==', '=', '!!!', 'Og==', `${Buffer.from(`admin:${FUZZ_SECRET}`).toString('base64')}`))
      .map((b64): Credential => ({ kind: `basic ${b64.slice(0, 40)}`, value: () => `Basic ${b64}` })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom<Lazy>(() => fixtures.portalToken, () => FUZZ_SECRET, () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.', () => 'a.b.c'), fc.option(spoil, { freq: 2 }))
      .map(([token, spoiler]): Credential => ({ kind: `bearer${spoiler ? ', spoiled' : ''}`, value: () => `Bearer ${String(spoiler ? spoiler(token(), true) : token()).replace(/[\r\n]/g, '')}` })),
  },
  { weight: 1, arbitrary: fc.constantFrom<Credential>({ kind: 'scheme only', value: () => 'Basic' }, { kind: 'Digest', value: () => `Digest username="${FUZZ_SECRET}"` }, { kind: 'empty', value: () => '' }) },
);

/** Header values are bytes on the wire: no CR/LF (that would change the request's framing, not its content). */
const headerValue = fc.oneof(
  nastyString.map((s) => Buffer.from(s.replace(/[\r\n]/g, ' ').slice(0, 4000), 'utf8')),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.filter((x) => x !== 10 && x !== 13))),
);

const extraHeaders = fc.array(
  fc.tuple(
    fc.constantFrom('x-request-id', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'accept', 'accept-language', 'cookie', 'origin', 'referer', 'user-agent', 'if-none-match', 'x-http-method-override', 'traceparent'),
    headerValue,
  ),
  { maxLength: 3 },
);

interface FuzzRequest {
  target: Target;
  path: () => string;
  query: () => string;
  credential?: Credential;
  contentType?: Buffer;
  body?: Body;
  headers: Array<[string, Buffer]>;
}

function realIdFor(param: string): string {
  if (/key/i.test(param)) return fixtures.keyMappingId;
  if (/client/i.test(param)) return fixtures.dcrClientId;
  return fixtures.applicationId;
}

function requestArbitrary(targets: Target[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      target: fc.constantFrom(...targets),
      params: fc.array(fc.option(fc.oneof(spoil, nastyString.map((n) => () => n)), { freq: 2 }), { minLength: 3, maxLength: 3 }),
      query: fc.option(urlEncoded, { freq: 2 }),
      credential: authorization,
      body,
      contentType: fc.option(fc.oneof(fc.constantFrom(...CONTENT_TYPES).map((c) => Buffer.from(c)), headerValue), { freq: 3 }),
      headers: extraHeaders,
    })
    .map(({ target, params, query, credential, body, contentType, headers }) => {
      // `:name` parameters get a real id, spoiled or not, or a hostile value; Fastify's `*` wildcards a hostile path.
      const path = () => {
        let i = 0;
        return target.route.url.replace(/:[A-Za-z0-9_]+|\*/g, (param) => {
          const spoiler = params[i++ % params.length];
          const real = param === '*' ? 'x' : realIdFor(param);
          return spoiler ? percentEncode(String(spoiler(real, false))) : real;
        });
      };
      const ct = contentType ?? (body?.contentType ? Buffer.from(body.contentType) : undefined);
      return {
        target,
        path,
        query: query ?? (() => ''),
        headers,
        ...(credential ? { credential } : {}),
        ...(body ? { body } : {}),
        ...(ct ? { contentType: ct } : {}),
      };
    });
}

// ---------------------------------------------------------------------------------------------------------
// Raw HTTP

interface RawResponse {
  status: number;
  text: string;
}

/** A request as it goes on the wire (fixtures are read now). */
interface WireRequest {
  target: Target;
  url: string;
  credential?: { kind: string; value: string };
  contentType?: Buffer;
  headers: Array<[string, Buffer]>;
  body?: { kind: string; bytes: Buffer };
}

function materialize(request: FuzzRequest): WireRequest {
  const query = request.query();
  return {
    target: request.target,
    url: `${request.path()}${query ? `?${query}` : ''}`,
    headers: request.headers,
    ...(request.credential ? { credential: { kind: request.credential.kind, value: request.credential.value() } } : {}),
    ...(request.contentType ? { contentType: request.contentType } : {}),
    ...(request.body ? { body: { kind: request.body.kind, bytes: request.body.bytes() } } : {}),
  };
}

function describe(request: WireRequest): string {
  const show = (b: Buffer | undefined, max = 160) => (b === undefined ? undefined : JSON.stringify(b.subarray(0, max).toString('latin1')) + (b.length > max ? `…(${b.length} bytes)` : ''));
  return [
    `${request.target.route.method} ${show(Buffer.from(request.url), 300)}`,
    request.credential ? `authorization (${request.credential.kind}): ${show(Buffer.from(request.credential.value, 'latin1'), 120)}` : undefined,
    request.contentType ? `content-type: ${show(request.contentType)}` : undefined,
    ...request.headers.map(([k, v]) => `${k}: ${show(v, 80)}`),
    request.body ? `body (${request.body.kind}): ${show(request.body.bytes)}` : undefined,
  ]
    .filter(Boolean)
    .join('\n      ');
}

function send(request: WireRequest): Promise<RawResponse | { error: string }> {
  const { target } = request;
  const lines: Buffer[] = [Buffer.from(`${target.route.method} ${request.url} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nConnection: close\r\n`)];
  if (request.credential) lines.push(Buffer.from(`Authorization: ${request.credential.value}\r\n`, 'latin1'));
  if (request.contentType) lines.push(Buffer.concat([Buffer.from('Content-Type: '), request.contentType, Buffer.from('\r\n')]));
  for (const [name, value] of request.headers) lines.push(Buffer.concat([Buffer.from(`${name}: `), value, Buffer.from('\r\n')]));
  if (request.body || !['GET', 'HEAD', 'OPTIONS'].includes(target.route.method)) lines.push(Buffer.from(`Content-Length: ${request.body?.bytes.length ?? 0}\r\n`));
  lines.push(Buffer.from('\r\n'));
  if (request.body) lines.push(request.body.bytes);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ error: `no answer within ${HANG_MS} ms` });
    }, HANG_MS);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw.subarray(0, 32).toString('latin1'));
      if (match) resolve({ status: Number(match[1]), text: raw.toString('utf8') });
      else resolve({ error: error ? `${(error as NodeJS.ErrnoException).code ?? error.message} before any answer` : 'connection closed without an answer' });
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('end', () => finish());
    socket.once('error', (e) => finish(e));
    // Never half-close: Node's HTTP server aborts a request whose client has ended its side (httpAllowHalfOpen).
    socket.once('connect', () => socket.write(Buffer.concat(lines)));
  });
}

// ---------------------------------------------------------------------------------------------------------

function targetsOf(service: Target['service'], port: number, routes: readonly ServedRoute[]): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const route of routes) {
    const key = `${route.method} ${route.url}`;
    if (seen.has(key) || route.method === 'HEAD') continue;
    seen.add(key);
    targets.push({ service, port, route });
  }
  return targets;
}

it(`answers every route of both services without a 5xx, a hang or a leaked secret (seed ${SEED})`, async () => {
  const targets = [
    ...targetsOf('key-manager', Number(new URL(stack.keyManager.baseUrl).port), servedRoutes(stack.keyManager.app)),
    ...targetsOf('devportal', stack.devportal.config.server.port, servedRoutes(stack.devportal.app)),
  ];
  // The enumeration is real: both routers' well-known routes are in it.
  const names = targets.map((t) => `${t.route.method} ${t.route.url}`);
  expect(names).toEqual(expect.arrayContaining(['POST /oauth2/token', 'POST /oauth2/introspect', 'GET /oauth2/authorize', `POST ${DEVPORTAL_API}/login`, `POST ${DEVPORTAL_API}/applications`]));

  const secretsNeverShown = [FUZZ_SECRET, user.password, stack.keyManager.admin.password, keystore.password];
  const failures = new Map<string, string>();
  const hits = new Map<string, number>();
  let runs = 0;
  const slowest: Array<[number, string]> = [];
  let sendMs = 0;
  const started = Date.now();

  const result = await fc.check(
    fc.asyncProperty(requestArbitrary(targets), async (generated) => {
      runs += 1;
      if (runs % 250 === 0) fixtures = await prepareFixtures(runs);
      const request = materialize(generated);
      const route = `${request.target.service} ${request.target.route.method} ${request.target.route.url}`;
      hits.set(route, (hits.get(route) ?? 0) + 1);
      const t0 = Date.now();
      const response = await send(request);
      sendMs += Date.now() - t0;
      slowest.push([Date.now() - t0, `${route} ${request.body?.kind ?? ''} ${request.credential?.kind ?? ''}`]);
      slowest.sort((a, b) => b[0] - a[0]).splice(8);
      let problem: string | undefined;
      let signature: string;
      if ('error' in response) {
        // A body over the limit may be refused before it is all sent: the server closing on it is an answer.
        if (request.body && request.body.bytes.length > stack.keyManager.config.server.bodyLimitBytes && /EPIPE|ECONNRESET/.test(response.error)) return true;
        problem = response.error;
        signature = `${response.error.replace(/\d+/g, 'N')} ${route}`;
      } else {
        if (response.status >= 500) problem = `answered ${response.status}: ${response.text.split('\r\n\r\n')[1]?.slice(0, 200) ?? ''}`;
        const leaked = secretsNeverShown.find((s) => response.text.includes(s));
        if (leaked) problem = `response carries a secret (${leaked === FUZZ_SECRET ? 'the fuzzer\'s' : 'a fixture\'s'})`;
        signature = `${response.status} ${route}`;
      }
      if (problem && !failures.has(signature)) failures.set(signature, `${problem}\n      ${describe(request)}`);
      return true;
    }),
    { seed: SEED, numRuns: MAX_RUNS, interruptAfterTimeLimit: TIME_MS, markInterruptAsFailure: false },
  );
  expect(result.failed).toBe(false);

  // The services are alive and still serve a normal request.
  for (const base of [stack.keyManager.baseUrl, stack.devportal.baseUrl]) expect((await fetch(`${base}/health/live`)).status).toBe(200);
  expect((await devportalApi(stack.devportal.apiUrl)('POST', '/login', { json: user })).status).toBe(200);

  const logText = `${logs.keyManager.text()}\n${logs.devportal.text()}`;
  const inLogs = [...secretsNeverShown, fixtures.consumerSecret, fixtures.dcrClientSecret, fixtures.portalToken].filter((s) => logText.includes(s));

  const missed = names.filter((n) => ![...hits.keys()].some((h) => h.endsWith(` ${n}`)));
  const report = [
    `fuzz: seed ${SEED}, ${runs} requests over ${targets.length} routes in ${Math.round((Date.now() - started) / 1000)} s`,
    `  time in requests: ${sendMs} ms; slowest: ${slowest.map(([ms, what]) => `${ms} ms ${what}`).join('; ')}`,
    ...[...failures].map(([signature, example]) => `  ${signature}: ${example}`),
  ].join('\n');
  process.stdout.write(`${report}\n`);
  expect({ failures: [...failures.keys()], secretsInLogs: inLogs.length, routesNeverFuzzed: missed }).toEqual({ failures: [], secretsInLogs: 0, routesNeverFuzzed: [] });
});
