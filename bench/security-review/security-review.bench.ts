/**
 * A rerun of issue 10's adversarial review against the running system, printing what each case gets now.
 *
 *   npm run bench:security-review        # about 2 minutes; needs PostgreSQL and NATS (below)
 *
 * Starts the system as it is deployed: two Key Manager processes and a Developer Portal process (built
 * `dist/`, one deployment.toml, RSA-OAEP token encryption on, the product's default throttle and HTTP
 * limits), on the PostgreSQL at REVIEW_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, schemas
 * of its own, dropped at the end) and the NATS at REVIEW_NATS_URL (default nats://127.0.0.1:4222, subjects
 * under a prefix of its own). Both services have `trust_proxy` on, as behind the proxy production needs, so
 * each case can come from an address of its own (`X-Forwarded-For`): the attacker, the victim elsewhere, the
 * neighbours behind one NAT. Then it plays the review's cases in its order and prints one table: what the
 * review saw, what the system answers now. Exit code 1 when a case's answer is not the fixed one.
 *
 * It measures answers, not speed: nothing here depends on the machine being quiet (the slow-client case
 * waits for the server's own timeouts, 10 s and 30 s by default).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { createPkcs12Keystore } from '@app/crypto';
import { freePort } from '../support/bench-kit.js';

const DATABASE_URL = process.env.REVIEW_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.REVIEW_NATS_URL ?? 'nats://127.0.0.1:4222';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url)); // dist/bench/security-review → repository
const PORTAL_API = '/api/am/devportal/v3';
const BRUTE_FORCE_SECONDS = 20;
const BRUTE_FORCE_THREADS = 8;
const SLOW_BODIES = 300;

// ---------------------------------------------------------------- the system under review

interface Service {
  name: string;
  baseUrl: string;
  managementUrl: string;
  logFile: string;
  child: ChildProcess;
}

interface System {
  keyManager: Service;
  secondKeyManager: Service;
  portal: Service;
  admin: { username: string; password: string };
  schemas: string[];
  dir: string;
}

async function waitReady(service: Omit<Service, 'child'>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${service.name} exited at start; see ${service.logFile}`);
    try {
      const response = await fetch(`${service.baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${service.name} did not become ready; see ${service.logFile}`);
    await sleep(200);
  }
}

async function startService(dir: string, name: string, entry: string, config: string, ports: { port: number; management: number }): Promise<Service> {
  const logFile = join(dir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [join(ROOT, entry)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DEPLOYMENT_CONFIG: config }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.once('exit', () => log.end());
  const service = { name, baseUrl: `http://127.0.0.1:${ports.port}`, managementUrl: `http://127.0.0.1:${ports.management}`, logFile };
  await waitReady(service, child);
  return { ...service, child };
}

async function startSystem(): Promise<System> {
  const dir = await mkdtemp(join(tmpdir(), 'security-review-'));
  const id = randomBytes(4).toString('hex');
  const keystore = join(dir, 'primary.p12');
  await writeFile(keystore, await createPkcs12Keystore({ alias: 'wso2carbon', password: 'review-keystore' }), { mode: 0o600 });
  const admin = { username: 'admin', password: `review-admin-${randomBytes(9).toString('base64url')}` };
  const [km, km2, dp, kmManagement, km2Management, dpManagement] = (await Promise.all(Array.from({ length: 6 }, () => freePort()))) as [number, number, number, number, number, number];
  const schemas = [`km_review_${id}`, `dp_review_${id}`];
  const document = (kmPort: number, kmManagementPort: number) => ({
    server: { host: '127.0.0.1', port: kmPort, public_url: `http://127.0.0.1:${km}`, trust_proxy: true },
    database: { url: DATABASE_URL, schema: schemas[0], pool_size: 5 },
    transport: { nats: { servers: [NATS_URL], subject_prefix: `review_${id}` } },
    keystore: { primary: { file_name: keystore, type: 'PKCS12', password: 'review-keystore', alias: 'wso2carbon' } },
    super_admin: admin,
    apim: { oauth_config: { enable_token_encryption: true } },
    log: { level: 'info' },
    key_manager: { management: { port: kmManagementPort } },
    devportal: {
      server: { host: '127.0.0.1', port: dp, public_url: `http://127.0.0.1:${dp}`, trust_proxy: true },
      management: { port: dpManagement },
      database: { schema: schemas[1] },
    },
  });
  const files = [join(dir, 'deployment.toml'), join(dir, 'deployment-2.toml')];
  await writeFile(files[0]!, stringify(document(km, kmManagement)), { mode: 0o600 });
  await writeFile(files[1]!, stringify(document(km2, km2Management)), { mode: 0o600 });
  const keyManager = await startService(dir, 'key-manager', 'dist/apps/key-manager/src/main.js', files[0]!, { port: km, management: kmManagement });
  const [secondKeyManager, portal] = await Promise.all([
    startService(dir, 'key-manager-2', 'dist/apps/key-manager/src/main.js', files[1]!, { port: km2, management: km2Management }),
    startService(dir, 'devportal', 'dist/apps/devportal/src/main.js', files[0]!, { port: dp, management: dpManagement }),
  ]);
  return { keyManager, secondKeyManager, portal, admin, schemas, dir };
}

async function stopSystem(system: System): Promise<void> {
  for (const service of [system.portal, system.secondKeyManager, system.keyManager]) {
    if (service.child.exitCode !== null) continue;
    const exited = new Promise((resolve) => service.child.once('exit', resolve));
    service.child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => service.child.kill('SIGKILL'))]);
  }
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  for (const schema of system.schemas) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.end();
  await rm(system.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- HTTP helpers

interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
  text: string;
}

async function call(url: string, init: RequestInit & { from?: string } = {}): Promise<Answer> {
  const headers = new Headers(init.headers);
  if (init.from) headers.set('x-forwarded-for', init.from);
  const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a page or an empty answer
  }
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body, text };
}

/** Basic credentials as sent on the wire, not form-encoded (the NUL cases need the raw `%00`). */
const rawBasic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
/** Basic credentials form-encoded first (RFC 6749 §2.3.1), as a client library sends them. */
const basic = (id: string, secret: string) => rawBasic(encodeURIComponent(id), encodeURIComponent(secret));
const form = (body: string, headers: Record<string, string> = {}, from?: string): RequestInit & { from?: string } => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body,
  ...(from ? { from } : {}),
});
const json = (method: string, body: unknown, headers: Record<string, string> = {}, from?: string): RequestInit & { from?: string } => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
  ...(from ? { from } : {}),
});

/** A tally of statuses: `{ 400: 3, 429: 641 }` printed as `3 × 400, 641 × 429`. */
function tally(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ');
}

/** Another spelling of a compact JWS: the two unused bits of the signature's last base64url character flipped. */
function respelled(jwt: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = jwt.at(-1)!;
  return `${jwt.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
}

// ---------------------------------------------------------------- the review's cases

interface Row {
  defect: string;
  review: string;
  now: string;
  fixed: boolean;
}

const rows: Row[] = [];
const knownSecrets = new Set<string>();

/** Remembers a password, secret or token the run used, to look for it in the logs and the schemas. */
function remember(value: unknown): void {
  if (typeof value === 'string' && value.length >= 8) knownSecrets.add(value);
}

function report(defect: string, review: string, now: string, fixed: boolean): void {
  rows.push({ defect, review, now, fixed });
  process.stderr.write(`${fixed ? 'ok  ' : 'FAIL'} ${defect}: ${now}\n`);
}

async function run(system: System): Promise<void> {
  const km = system.keyManager.baseUrl;
  const km2 = system.secondKeyManager.baseUrl;
  const portal = `${system.portal.baseUrl}${PORTAL_API}`;
  const adminAuth = basic(system.admin.username, system.admin.password);
  remember(system.admin.password);

  // Accounts: the victim, a user who gets a password-grant client through the portal (as any user can).
  const victim = { username: 'victim', password: 'Victim-long-password-1' };
  const mallory = { username: 'mallory', password: 'Mallory-long-password-1' };
  for (const user of [victim, mallory]) {
    remember(user.password);
    const signup = await call(`${portal}/signup`, json('POST', user, {}, '198.51.100.10'));
    if (signup.status !== 201) throw new Error(`sign-up answered ${signup.status}: ${signup.text}`);
  }
  const login = await call(`${portal}/login`, json('POST', mallory, {}, '198.51.100.11'));
  const portalToken = String(login.body['access_token']);
  remember(portalToken);
  const bearer = { authorization: `Bearer ${portalToken}` };
  const app = await call(`${portal}/applications`, json('POST', { name: 'review' }, bearer));
  const applicationId = String(app.body['applicationId']);
  const keys = await call(
    `${portal}/applications/${applicationId}/generate-keys`,
    json('POST', { keyType: 'PRODUCTION', grantTypesToBeSupported: ['password', 'client_credentials', 'authorization_code'], callbackUrl: 'https://app.example/cb' }, bearer),
  );
  const client = { id: String(keys.body['consumerKey']), secret: String(keys.body['consumerSecret']) };
  remember(client.secret);
  const clientAuth = basic(client.id, client.secret);

  // 1. Brute force through the password grant after a lock at the portal.
  {
    const attacker = '203.0.113.5';
    const portalGuesses: Answer[] = [];
    for (let i = 0; i < 11; i++) portalGuesses.push(await call(`${portal}/login`, json('POST', { username: victim.username, password: `wrong guess ${i}` }, {}, attacker)));
    const statuses: number[] = [];
    const end = Date.now() + BRUTE_FORCE_SECONDS * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: BRUTE_FORCE_THREADS }, async (_, thread) => {
        while (Date.now() < end) {
          const target = (n++ + thread) % 2 ? km2 : km; // both instances
          statuses.push((await call(`${target}/oauth2/token`, form(`grant_type=password&username=${victim.username}&password=guess-${n}`, { authorization: clientAuth }, attacker))).status);
        }
      }),
    );
    const right = await call(`${km}/oauth2/token`, form(`grant_type=password&username=${victim.username}&password=${encodeURIComponent(victim.password)}`, { authorization: clientAuth }, attacker));
    const rightAtPortal = await call(`${portal}/login`, json('POST', victim, {}, attacker));
    const owner = await call(`${portal}/login`, json('POST', victim, {}, '198.51.100.20'));
    const ownerGrant = await call(`${km2}/oauth2/token`, form(`grant_type=password&username=${victim.username}&password=${encodeURIComponent(victim.password)}`, { authorization: clientAuth }, '198.51.100.20'));
    const passwordGrantHeld = statuses.filter((s) => s === 429).length === statuses.length;
    report(
      '1 password grant never throttled',
      '11 wrong /login; then 644 guesses in 20 s from 8 threads: 644 × 400, no 429; the right password 200 at the grant, 401 at /login',
      `11 wrong /login: ${tally(portalGuesses.map((a) => a.status))}; then ${statuses.length} guesses in ${BRUTE_FORCE_SECONDS} s from ${BRUTE_FORCE_THREADS} threads on 2 instances: ${tally(statuses)}; ` +
        `the right password from the attacker's address: ${right.status} at the grant, ${rightAtPortal.status} at /login (Retry-After ${rightAtPortal.retryAfter}); from the owner's address: ${owner.status} at /login, ${ownerGrant.status} at the grant`,
      passwordGrantHeld && right.status === 429 && rightAtPortal.status === 429 && owner.status === 200 && ownerGrant.status === 200,
    );
    if (right.status === 200) remember(right.body['access_token']);
    if (ownerGrant.status === 200) remember(ownerGrant.body['access_token']);
  }

  // 2a. Password spraying from one address.
  {
    const sprayer = '203.0.113.20';
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await call(`${portal}/login`, json('POST', { username: `spray-${i}`, password: 'Winter2026!' }, {}, sprayer))).status);
    const elsewhere = await call(`${portal}/login`, json('POST', mallory, {}, '198.51.100.21'));
    report(
      '2a spraying unlimited',
      '15 user names from one address at /login: never throttled',
      `15 user names from one address: ${tally(statuses)} (429 from the 11th); a user at another address: ${elsewhere.status}`,
      statuses.slice(10).every((s) => s === 429) && elsewhere.status === 200,
    );
  }

  // 2b. One broken client behind a NAT.
  {
    const nat = '203.0.113.30';
    const register = async (name: string) => {
      const registered = await call(`${km}/keymanager-operations/dcr/register`, json('POST', { client_name: name, grant_types: ['client_credentials'] }, { authorization: adminAuth }));
      remember(registered.body['client_secret']);
      return { id: String(registered.body['client_id']), secret: String(registered.body['client_secret']) };
    };
    const broken = await register('broken');
    const healthy = await register('healthy');
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await call(`${i % 2 ? km2 : km}/oauth2/token`, form('grant_type=client_credentials', { authorization: basic(broken.id, `stale-${i}`) }, nat))).status);
    const other = await call(`${km}/oauth2/token`, form('grant_type=client_credentials', { authorization: basic(healthy.id, healthy.secret) }, nat));
    remember(other.body['access_token']);
    const superAdmin = await call(`${km2}/oauth2/introspect`, form(`token=${String(other.body['access_token'])}`, { authorization: adminAuth }, nat));
    report(
      '2b a broken client holds its whole address',
      'after 10 failures from one address every client and the super admin there got 429',
      `one client failing 30 times from one address: ${tally(statuses)}; then another client there: ${other.status}, the super admin there (introspection): ${superAdmin.status}`,
      other.status === 200 && superAdmin.status === 200 && statuses.includes(429),
    );
  }

  // 2c. Lock-out as a denial of service; 2d. 429 with Retry-After at the portal.
  {
    const owner = { username: 'owner', password: 'Owner-long-password-1' };
    remember(owner.password);
    await call(`${portal}/signup`, json('POST', owner, {}, '198.51.100.30'));
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await call(`${portal}/login`, json('POST', { username: owner.username, password: `wrong ${i}` }, {}, '203.0.113.40'))).status);
    const held = await call(`${portal}/login`, json('POST', { username: owner.username, password: 'wrong 11' }, {}, '203.0.113.40'));
    const ownerIn = await call(`${portal}/login`, json('POST', owner, {}, '198.51.100.30'));
    report(
      '2c ten wrong passwords lock a user out everywhere',
      '10 wrong passwords: the owner locked out everywhere for 60 s',
      `10 wrong passwords from one address: ${tally(statuses)}; the owner from another address: ${ownerIn.status}`,
      ownerIn.status === 200,
    );
    report(
      '2d throttled portal log-in is 401 without Retry-After',
      'throttled /login answered 401, no Retry-After',
      `throttled /login: ${held.status}, Retry-After ${held.retryAfter}, body ${JSON.stringify({ code: held.body['code'], message: held.body['message'] })}`,
      held.status === 429 && Number(held.retryAfter) > 0,
    );
  }

  // 2e. Counters shared by the instances: a fresh account at a fresh address, guesses alternating between the two.
  {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call(`${i % 2 ? km2 : km}/oauth2/token`, form(`grant_type=password&username=shared-target&password=guess-${i}`, { authorization: clientAuth }, '203.0.113.50'))).status);
    const before = statuses.indexOf(429);
    report(
      '2e counters per instance',
      'two Key Managers allowed 20 failures per window (10 each)',
      `12 guesses alternating between 2 instances: ${tally(statuses)}; the first 429 at guess ${before + 1} (limit 5 per account and address, shared)`,
      before === 5,
    );
  }

  // 3. Scopes.
  {
    const granted = await call(`${km}/oauth2/token`, form('grant_type=client_credentials&scope=admin%20root', { authorization: clientAuth }, '198.51.100.40'));
    remember(granted.body['access_token']);
    report('3 any requested scope granted', 'scope=admin root on client_credentials: granted "admin root"', `scope=admin root: ${granted.status}, scope "${String(granted.body['scope'])}"`, granted.status === 200 && granted.body['scope'] === 'default');
  }

  // 4. A user named as a client id.
  {
    const registered = await call(`${km}/keymanager-operations/dcr/register`, json('POST', { client_name: 'named', grant_types: ['client_credentials'] }, { authorization: adminAuth }));
    remember(registered.body['client_secret']);
    const clientId = String(registered.body['client_id']);
    const asClient = await call(`${portal}/signup`, json('POST', { username: clientId, password: 'Squatter-password-1' }));
    const asAdmin = await call(`${portal}/signup`, json('POST', { username: 'admin', password: 'Squatter-password-1' }));
    const asSystem = await call(`${portal}/signup`, json('POST', { username: 'apim-devportal', password: 'Squatter-password-1' }));
    report(
      '4 a user can take a client\'s sub',
      'sign-up with a client\'s id accepted: the user\'s tokens had the client\'s sub',
      `sign-up as a client's id: ${asClient.status}; as admin: ${asAdmin.status}; as apim-devportal: ${asSystem.status}`,
      [asClient, asAdmin, asSystem].every((a) => a.status === 409 || a.status === 400),
    );
  }

  // 5. NUL bytes: the review's 17 cases, in its order.
  {
    const admin = { authorization: adminAuth };
    const cases: Array<[string, () => Promise<Answer>]> = [
      ['token client_id=a%00b', () => call(`${km}/oauth2/token`, form('grant_type=client_credentials&client_id=a%00b&client_secret=x', {}, '198.51.100.50'))],
      ['token password grant username=a%00b', () => call(`${km}/oauth2/token`, form('grant_type=password&username=a%00b&password=x', { authorization: clientAuth }, '198.51.100.50'))],
      ['token Basic ADoA', () => call(`${km}/oauth2/token`, form('grant_type=client_credentials', { authorization: 'Basic ADoA' }, '198.51.100.50'))],
      ['introspect Basic ADoA', () => call(`${km}/oauth2/introspect`, form('token=x', { authorization: 'Basic ADoA' }, '198.51.100.50'))],
      ['authorize GET ?client_id=a%00b', () => call(`${km}/oauth2/authorize?response_type=code&client_id=a%00b&redirect_uri=https%3A%2F%2Fapp.example%2Fcb`)],
      [
        'authorize form username a%00b',
        () => call(`${km}/oauth2/authorize`, form(`response_type=code&client_id=${client.id}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&username=a%00b&password=x&action=approve`, {}, '198.51.100.50')),
      ],
      ['DCR client_name', () => call(`${km}/keymanager-operations/dcr/register`, json('POST', { client_name: 'a\u0000b', grant_types: ['client_credentials'] }, admin))],
      ['DCR ext_application_owner', () => call(`${km}/keymanager-operations/dcr/register`, json('POST', { client_name: 'ok', grant_types: ['client_credentials'], ext_application_owner: 'a\u0000b' }, admin))],
      ['DCR GET /register/%00', () => call(`${km}/keymanager-operations/dcr/register/%00`, { headers: admin })],
      ['DCR PUT /register/%00', () => call(`${km}/keymanager-operations/dcr/register/%00`, json('PUT', { client_name: 'x' }, admin))],
      ['DCR DELETE /register/%00', () => call(`${km}/keymanager-operations/dcr/register/%00`, { method: 'DELETE', headers: admin })],
      ['DCR admin Basic with a NUL', () => call(`${km}/keymanager-operations/dcr/register`, json('POST', { client_name: 'x' }, { authorization: rawBasic('admin\u0000', 'x') }, '198.51.100.50'))],
      ['revoke Basic a%00b', () => call(`${km}/oauth2/revoke`, form('token=x', { authorization: rawBasic('a%00b', 'x') }, '198.51.100.50'))],
      ['portal /login username', () => call(`${portal}/login`, json('POST', { username: 'a\u0000b', password: 'x' }, {}, '198.51.100.50'))],
      ['portal /signup username', () => call(`${portal}/signup`, json('POST', { username: 'a\u0000b', password: 'Good-password-1' }))],
      ['portal application description (create)', () => call(`${portal}/applications`, json('POST', { name: 'n', description: 'a\u0000b' }, bearer))],
      ['portal application description (update)', () => call(`${portal}/applications/${applicationId}`, json('PUT', { name: 'review', description: 'a\u0000b' }, bearer))],
    ];
    const outcomes: string[] = [];
    const statuses: number[] = [];
    for (const [what, send] of cases) {
      const answer = await send();
      statuses.push(answer.status);
      outcomes.push(`${what} ${answer.status}`);
    }
    report(
      '5 a NUL byte gives 500',
      '17 cases: 500 (the portal\'s /login 502)',
      `17 cases: ${tally(statuses)} — ${outcomes.join('; ')}`,
      statuses.every((s) => s === 400 || s === 401),
    );
  }

  // 6. Deeply nested JSON.
  {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const signup = await call(`${portal}/signup`, json('POST', `{"username":"deep","password":${deep}}`));
    const applications = await call(`${portal}/applications`, json('POST', `{"name":${deep}}`, bearer));
    const dcr = await call(`${km}/keymanager-operations/dcr/register`, json('POST', `{"client_name":"x","grant_types":${deep}}`, { authorization: adminAuth }));
    report(
      '6 deeply nested JSON gives 500',
      '30,000 nested arrays to /signup and /applications: 500 (stack overflow)',
      `30,000 nested arrays (${deep.length} bytes): /signup ${signup.status}, /applications ${applications.status}, DCR register ${dcr.status}`,
      [signup, applications, dcr].every((a) => a.status === 400),
    );
  }

  // 8. Non-canonical JWT signature (the portal's log-in token is a JWT).
  {
    const other = respelled(portalToken);
    const introspect = async (token: string) => (await call(`${km}/oauth2/introspect`, form(`token=${encodeURIComponent(token)}`, { authorization: adminAuth }))).body['active'];
    const original = { introspected: await introspect(portalToken), portal: (await call(`${portal}/applications`, { headers: bearer })).status };
    const respelledToken = { introspected: await introspect(other), portal: (await call(`${portal}/applications`, { headers: { authorization: `Bearer ${other}` } })).status };
    report(
      '8 a JWT has several valid spellings',
      'the signature\'s unused bits flipped: active at introspection, accepted by the portal',
      `the token: active ${String(original.introspected)}, portal ${original.portal}; unused bits flipped: active ${String(respelledToken.introspected)}, portal ${respelledToken.portal}`,
      original.introspected === true && respelledToken.introspected === false && respelledToken.portal === 401,
    );
  }

  // 9. Slow connections.
  await slowClients(system, async () => {
    const token = await call(`${km}/oauth2/token`, form('grant_type=client_credentials', { authorization: clientAuth }, '198.51.100.60'));
    remember(token.body['access_token']);
    const list = await call(`${portal}/applications`, { headers: bearer });
    return [token.status, list.status];
  });

  // 10. Operational endpoints.
  {
    const results = [];
    for (const service of [system.keyManager, system.portal]) {
      const metrics = await call(`${service.baseUrl}/metrics`);
      const ready = await call(`${service.baseUrl}/health/ready`);
      const live = await call(`${service.baseUrl}/health/live`);
      const managementMetrics = await call(`${service.managementUrl}/metrics`);
      const managementReady = await call(`${service.managementUrl}/health/ready`);
      const reveals = /nats:\/\/|thumbprint|127\.0\.0\.1:4222/i.test(ready.text);
      results.push({ name: service.name, metrics: metrics.status, ready: ready.status, readyBody: ready.text.slice(0, 40), reveals, live: live.status, managementMetrics: managementMetrics.status, managementReady: managementReady.status, detailed: /thumbprint|nats/i.test(managementReady.text) });
    }
    report(
      '10 operational endpoints say too much',
      'public /metrics and /health/ready: no authentication, NATS address and keystore thumbprint',
      results
        .map((r) => `${r.name}: public /metrics ${r.metrics}, /health/ready ${r.ready} ${r.readyBody} (details: ${r.reveals ? 'yes' : 'none'}), /health/live ${r.live}; management port /metrics ${r.managementMetrics}, /health/ready ${r.managementReady} (details: ${r.detailed ? 'yes' : 'no'})`)
        .join('; '),
      results.every((r) => r.metrics === 404 && !r.reveals && r.live === 200 && r.managementMetrics === 200),
    );
  }

  // 7 and the review's good news: no statement parameter, secret or NUL in any log line; no plaintext secret in either schema.
  await logsAndStorage(system);
}

// ---------------------------------------------------------------- 9. slow clients

interface SlowSocket {
  socket: Socket;
  openedAt: number;
  closedAt?: number;
  answer: string;
}

function openSlow(url: string, request: string): Promise<SlowSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: hostname, port: Number(port) });
    const slow: SlowSocket = { socket, openedAt: Date.now(), answer: '' };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (slow.answer += chunk));
    socket.on('close', () => (slow.closedAt = Date.now()));
    socket.once('error', () => undefined);
    socket.once('connect', () => {
      socket.write(request);
      resolve(slow);
    });
    socket.once('error', reject);
  });
}

async function slowClients(system: System, normalTraffic: () => Promise<number[]>): Promise<void> {
  const targets = [
    { service: system.keyManager, body: `POST /oauth2/token HTTP/1.1\r\nHost: km\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=` },
    { service: system.portal, body: `POST ${PORTAL_API}/login HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"username":` },
  ];
  const opened: Array<{ name: string; kind: 'stalled body' | 'unfinished headers'; slow: SlowSocket }> = [];
  for (const { service, body } of targets) {
    for (let i = 0; i < SLOW_BODIES; i++) opened.push({ name: service.name, kind: 'stalled body', slow: await openSlow(service.baseUrl, body) });
    opened.push({ name: service.name, kind: 'unfinished headers', slow: await openSlow(service.baseUrl, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: `) });
  }
  // Normal traffic meanwhile: a token and the portal's application list, every second.
  const normal: number[] = [];
  const started = Date.now();
  const deadline = started + 75_000;
  while (Date.now() < deadline && opened.some((o) => o.slow.closedAt === undefined)) {
    normal.push(...(await normalTraffic()));
    await sleep(1000);
  }
  const open = opened.filter((o) => o.slow.closedAt === undefined);
  for (const o of opened) o.slow.socket.destroy();
  const summary = (name: string, kind: string) => {
    const group = opened.filter((o) => o.name === name && o.kind === kind);
    const seconds = group.filter((o) => o.slow.closedAt !== undefined).map((o) => (o.slow.closedAt! - o.slow.openedAt) / 1000);
    const with408 = group.filter((o) => o.slow.answer.startsWith('HTTP/1.1 408')).length;
    const within = seconds.length > 0 ? `, within ${Math.max(...seconds).toFixed(1)} s` : '';
    return `${name} ${group.length} ${kind}: ${seconds.length} closed${within} (${with408} answered 408)`;
  };
  const lines = targets.flatMap(({ service }) => [summary(service.name, 'stalled body'), summary(service.name, 'unfinished headers')]);
  report(
    '9 no request or body timeouts',
    '300 connections with stalled bodies and 1 with unfinished headers still open after 75 s',
    `${lines.join('; ')}; still open after ${((Date.now() - started) / 1000).toFixed(0)} s: ${open.length}; normal requests meanwhile (a token, the portal's list): ${tally(normal)}`,
    open.length === 0 && normal.every((s) => s === 200),
  );
}

// ---------------------------------------------------------------- 7. logs, and what is stored

async function logsAndStorage(system: System): Promise<void> {
  const services = [system.keyManager, system.secondKeyManager, system.portal];
  let lines = 0;
  let leakingLines = 0;
  let statementLines = 0;
  let nulLines = 0;
  for (const service of services) {
    for (const line of (await readFile(service.logFile, 'utf8')).split('\n')) {
      if (!line) continue;
      lines++;
      if ([...knownSecrets].some((secret) => secret && line.includes(secret))) leakingLines++;
      if (/"(parameters|query|driverError|detail)"\s*:/.test(line)) statementLines++;
      if (line.includes('\\u0000') || line.includes('\u0000')) nulLines++;
    }
  }
  report(
    '7 query parameters reach the log',
    'a bus handler error logged the SQL query and "parameters":["a\\u0000b"]',
    `${lines} log lines of 3 processes after every case above: ${statementLines} with query/parameters/driverError/detail, ${nulLines} with a NUL, ${leakingLines} with a password, secret or token used in the run`,
    statementLines === 0 && nulLines === 0 && leakingLines === 0,
  );

  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  let tables = 0;
  let rowCount = 0;
  let plaintext = 0;
  try {
    for (const schema of system.schemas) {
      const { rows: names } = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [schema]);
      for (const { table_name: table } of names) {
        tables++;
        const { rows: values } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${table}" t`);
        rowCount += values.length;
        plaintext += values.filter(({ row }) => [...knownSecrets].some((secret) => secret && row.includes(secret))).length;
      }
    }
  } finally {
    await db.end();
  }
  report(
    'good news: no plaintext secret stored',
    '0 plaintext secrets in either schema',
    `${rowCount} rows in ${tables} tables of both schemas searched for the ${knownSecrets.size} passwords, secrets and tokens of the run: ${plaintext} rows hold one`,
    plaintext === 0,
  );
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  process.stderr.write('starting two Key Managers and a portal (RSA-OAEP on, default limits)…\n');
  const system = await startSystem();
  try {
    await run(system);
  } finally {
    await stopSystem(system);
  }
  process.stdout.write(`\n| Defect | The review saw | Now |\n|---|---|---|\n${rows.map((r) => `| ${r.fixed ? '' : '**still open** '}${r.defect} | ${r.review} | ${r.now} |`).join('\n')}\n`);
  const open = rows.filter((r) => !r.fixed);
  process.stdout.write(`\n${rows.length - open.length} of ${rows.length} cases answered as fixed. Node ${process.version}.\n`);
  if (open.length > 0) process.exitCode = 1;
}

await main();
