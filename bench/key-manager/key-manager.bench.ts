/**
 * Key Manager throughput: client_credentials issuance and introspection of a valid token, opaque and JWT,
 * with token encryption off, RSA-OAEP (WSO2's default) and AES-GCM, against the local Postgres — and the
 * same two scenarios on `oidc-provider` (in-memory adapter) in the same run, for scale.
 *
 *   npm run bench:key-manager                       # 10 s per server and scenario, in 5 rounds of 2 s
 *   npm run bench:key-manager -- -d 3               # quick run (or BENCH_DURATION=3); BENCH_ROUNDS=n
 *
 * Each server runs in its own child process (the load generator must not share its event loop); autocannon
 * runs here with 50 connections. All servers run at once and take turns, round by round, so that changing
 * background load on the machine hits them alike. Prints one markdown table; each ratio is the median of per-round ratios.
 */
import autocannon, { type Result as LoadResult } from 'autocannon';
import Provider from 'oidc-provider';
import type { ChildProcess } from 'node:child_process';
import { constants, createCipheriv, createHash, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { createPkcs12Keystore, loadKeystore, SELECTOR_SECRET_BYTES } from '@app/crypto';
import { argument, backendsOf, basic, cpuOf, freePort, post, postgresCpu, postgresCpuBetween, processCpuSec, serveKeyManager, spawnServer, stopServer } from '../support/bench-kit.js';

type Mode = 'off' | 'rsa-oaep' | 'aes-gcm';
const MODES: Mode[] = ['off', 'rsa-oaep', 'aes-gcm'];
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONNECTIONS = 50;
const ADMIN = { username: 'admin', password: 'bench-admin-password' };
const SELF = fileURLToPath(import.meta.url);
/** Encryption's cost is measured with every Key Manager at this share of the slowest one's median req/s. */
const COST_LOAD = 0.7;

function durationSec(): number {
  const flag = process.argv.indexOf('-d');
  const value = flag >= 0 ? process.argv[flag + 1] : process.env.BENCH_DURATION;
  const seconds = Number(value ?? 10);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`invalid duration: ${value}`);
  return seconds;
}

// ---------------------------------------------------------------- servers (child processes)

async function serveOidcProvider(): Promise<void> {
  const port = Number(argument('--port'));
  const jwt = argument('--format') === 'jwt';
  const features: Record<string, unknown> = {
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId },
    devInteractions: { enabled: false },
  };
  if (jwt) {
    // JWT access tokens come through resource indicators (RS256, same key size as the Key Manager's).
    features.resourceIndicators = {
      enabled: true,
      defaultResource: () => 'urn:bench:api',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'bench', accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } }),
    };
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [
      {
        client_id: 'bench',
        client_secret: argument('--secret'),
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench' }] },
    features,
  });
  provider.listen(port, '127.0.0.1', () => process.stdout.write(`READY ${port}\n`));
}

// ---------------------------------------------------------------- load

type TokenFormat = 'opaque' | 'JWT';
type Scenario = 'issue' | 'introspect';

/** One server under load, ready: where to send what, with which credentials. */
interface Target {
  server: 'key-manager' | 'oidc-provider';
  mode: Mode | '-';
  format: TokenFormat;
  tokenUrl: string;
  introspectUrl: string;
  authorization: string;
  /** A valid token of this target, for the introspection scenario. */
  token: string;
  /** The server's process, for its CPU time. */
  pid: number | undefined;
  /** The Key Manager's management port (/metrics). */
  metricsUrl?: string;
}

interface Row {
  target: Target;
  scenario: Scenario;
  /** Median of the rounds' average req/s. */
  rps: number;
  /** Each round's average req/s, in round order (rounds of one scenario measure every server back to back). */
  rounds: number[];
  /** Best round. */
  best: number;
  /** Latency of the median round. */
  p50: number;
  p99: number;
  /** Non-2xx responses, errors and timeouts over all rounds. */
  failures: number;
  /** CPU time per request over all rounds (µs): the server process (all its threads), and PostgreSQL. */
  serverCpuUs: number | undefined;
  postgresCpuUs: number | undefined;
  /** CPU per request (µs) of the server's main thread (its event loop). */
  mainThreadCpuUs: number | undefined;
  /** PostgreSQL CPU per request (µs) of the server's own backends only (Key Manager; see `backendsOf`). */
  backendCpuUs: number | undefined;
  /** Each round's server + own backends CPU per request (µs), in round order; undefined where not measured. */
  roundCostUs: (number | undefined)[];
  /** Share of the wall time the server's main thread (its event loop) was on a CPU, over all rounds (%). */
  mainThreadBusy: number | undefined;
}

function summarise(target: Target, scenario: Scenario, results: Measured[]): Row {
  const requests = results.reduce((n, r) => n + r.requests.total, 0);
  const perRequest = (pick: (r: Measured) => number | undefined): number | undefined => {
    const used = results.map(pick);
    return used.every((u) => u !== undefined) && requests > 0 ? (used.reduce((a, b) => a! + b!, 0)! * 1e6) / requests : undefined;
  };
  const sorted = [...results].sort((a, b) => a.requests.average - b.requests.average);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return {
    target,
    scenario,
    rps: median.requests.average,
    rounds: results.map((r) => r.requests.average),
    best: sorted.at(-1)!.requests.average,
    p50: median.latency.p50,
    p99: median.latency.p99,
    failures: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    serverCpuUs: perRequest((r) => r.serverCpuSec),
    mainThreadBusy: results.every((r) => r.mainThreadCpuSec !== undefined)
      ? (100 * results.reduce((n, r) => n + r.mainThreadCpuSec!, 0)) / results.reduce((n, r) => n + r.duration, 0)
      : undefined,
    postgresCpuUs: perRequest((r) => r.postgresCpuSec),
    backendCpuUs: perRequest((r) => r.backendCpuSec),
    mainThreadCpuUs: perRequest((r) => r.mainThreadCpuSec),
    roundCostUs: results.map((r) =>
      r.serverCpuSec === undefined || r.backendCpuSec === undefined || r.requests.total === 0 ? undefined : ((r.serverCpuSec + r.backendCpuSec) * 1e6) / r.requests.total,
    ),
  };
}

const ISSUE_BODY = 'grant_type=client_credentials&scope=bench';

/** One round's load result with the CPU time the server and PostgreSQL spent meanwhile. */
type Measured = LoadResult & {
  serverCpuSec: number | undefined;
  mainThreadCpuSec: number | undefined;
  postgresCpuSec: number | undefined;
  backendCpuSec: number | undefined;
};

/** `rate`: requests per second over all connections (as fast as the server answers when absent). */
async function load(target: Target, scenario: Scenario, duration: number, db: pg.Client, rate?: number): Promise<Measured> {
  const backends = async () => (target.server === 'key-manager' && target.pid !== undefined ? await backendsOf(db, target.pid) : undefined);
  const backendsBefore = await backends();
  const backendCpu = backendsBefore && cpuOf(backendsBefore);
  const server = target.pid === undefined ? undefined : processCpuSec(target.pid);
  const main = target.pid === undefined ? undefined : processCpuSec(target.pid, true);
  const postgres = postgresCpu();
  const result = await generateLoad(target, scenario, duration, rate);
  const serverAfter = target.pid === undefined ? undefined : processCpuSec(target.pid);
  const mainAfter = target.pid === undefined ? undefined : processCpuSec(target.pid, true);
  const postgresAfter = postgresCpu();
  // Backends the pool opened meanwhile count from zero (postgresCpuBetween), like PostgreSQL's.
  const backendsAfter = await backends();
  const backendCpuAfter = backendsAfter && cpuOf([...new Set([...backendsAfter, ...(backendsBefore ?? [])])]);
  return {
    ...result,
    serverCpuSec: server === undefined || serverAfter === undefined ? undefined : serverAfter - server,
    mainThreadCpuSec: main === undefined || mainAfter === undefined ? undefined : mainAfter - main,
    postgresCpuSec: postgresCpuBetween(postgres, postgresAfter),
    backendCpuSec: postgresCpuBetween(backendCpu, backendCpuAfter),
  };
}

function generateLoad(target: Target, scenario: Scenario, duration: number, rate?: number): Promise<LoadResult> {
  const introspect = scenario === 'introspect';
  return autocannon({
    url: introspect ? target.introspectUrl : target.tokenUrl,
    connections: CONNECTIONS,
    duration,
    ...(rate === undefined ? {} : { overallRate: rate }),
    method: 'POST',
    headers: { authorization: target.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: introspect ? `token=${encodeURIComponent(target.token)}` : ISSUE_BODY,
  });
}

/** BENCH_ONLY=issue:opaque,introspect:JWT limits the run to those scenarios (all of them by default). */
function selected(scenario: Scenario, format: TokenFormat): boolean {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return !only?.length || only.includes(`${scenario}:${format}`.toLowerCase()) || only.includes(scenario);
}

function modeTables(mode: Mode): Record<string, unknown> {
  if (mode === 'off') return { apim: { oauth_config: { enable_token_encryption: false } } };
  if (mode === 'rsa-oaep') return { apim: { oauth_config: { enable_token_encryption: true } } };
  return {
    apim: { oauth_config: { enable_token_encryption: true } },
    system: { parameter: { 'org.wso2.CipherTransformation': 'AES/GCM/NoPadding' } },
    encryption: { key: randomBytes(32).toString('hex') },
  };
}

interface Running {
  child: ChildProcess;
  targets: Target[];
  cleanup(): Promise<void>;
}

async function startKeyManagerTargets(mode: Mode, dir: string, keystore: string): Promise<Running> {
  const port = await freePort();
  const managementPort = await freePort();
  const schema = `km_bench_${randomBytes(4).toString('hex')}`;
  const base = `http://127.0.0.1:${port}`;
  const file = join(dir, `deployment-${mode}.toml`);
  const document = {
    server: { host: '127.0.0.1', port, public_url: base },
    // /metrics is served on the management port only.
    management: { host: '127.0.0.1', port: managementPort },
    database: { url: DATABASE_URL, schema, pool_size: 10 },
    keystore: { primary: { file_name: keystore, type: 'PKCS12', password: 'bench-keystore', alias: 'wso2carbon' } },
    super_admin: ADMIN,
    oauth: { token_cleanup: { enable: false } },
    log: { level: 'warn' },
    ...modeTables(mode),
  };
  await writeFile(file, stringify(document), { mode: 0o600 });
  const dropSchema = async () => {
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  };
  const child = await spawnServer(SELF, ['key-manager', '--config', file]);
  const targets: Target[] = [];
  for (const tokenType of ['Default', 'JWT'] as const) {
    const client = await post(
      `${base}/keymanager-operations/dcr/register`,
      basic(ADMIN.username, ADMIN.password),
      JSON.stringify({ client_name: `bench ${tokenType}`, grant_types: ['client_credentials'], token_type_extension: tokenType, ext_application_token_lifetime: 86400 }),
      'application/json',
    );
    const authorization = basic(String(client.client_id), String(client.client_secret));
    const token = String((await post(`${base}/oauth2/token`, authorization, ISSUE_BODY))['access_token']);
    targets.push({
      server: 'key-manager',
      mode,
      format: tokenType === 'JWT' ? 'JWT' : 'opaque',
      tokenUrl: `${base}/oauth2/token`,
      introspectUrl: `${base}/oauth2/introspect`,
      authorization,
      token,
      pid: child.pid,
      metricsUrl: `http://127.0.0.1:${managementPort}/metrics`,
    });
  }
  return { child, targets, cleanup: async () => (await stopServer(child), await dropSchema()) };
}

async function startOidcProviderTarget(format: TokenFormat): Promise<Running> {
  const port = await freePort();
  const secret = randomBytes(32).toString('base64url');
  const child = await spawnServer(SELF, ['oidc-provider', '--port', String(port), '--secret', secret, '--format', format === 'JWT' ? 'jwt' : 'opaque']);
  const base = `http://127.0.0.1:${port}`;
  const authorization = basic('bench', secret);
  const token = String((await post(`${base}/token`, authorization, ISSUE_BODY))['access_token']);
  return {
    child,
    targets: [
      { server: 'oidc-provider', mode: '-', format, tokenUrl: `${base}/token`, introspectUrl: `${base}/token/introspection`, authorization, token, pid: child.pid },
    ],
    cleanup: () => stopServer(child),
  };
}

/** How the RSA-OAEP Key Manager's secrets were sealed over the whole run (its /metrics): ahead, or on the request. */
async function sealingReport(targets: Target[]): Promise<string> {
  const rsa = targets.find((t) => t.server === 'key-manager' && t.mode === 'rsa-oaep');
  if (!rsa?.metricsUrl) return '';
  const text = await (await fetch(rsa.metricsUrl)).text();
  const count = (when: string) => Number(new RegExp(`^key_manager_secrets_sealed_total\\{when="${when}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const [ahead, onRequest] = [count('ahead'), count('on_request')];
  const total = ahead + onRequest;
  return `RSA-OAEP secrets over the run (warm-up included): ${ahead} sealed ahead, ${onRequest} on the request` + (total ? ` (${((100 * ahead) / total).toFixed(1)}% ahead)` : '');
}

/**
 * The order of the servers in a round: the rows of a Williams design, one per round. A server measured
 * right after another one that inserted thousands of rows pays for that one's WAL flushes and autovacuum,
 * so who runs before whom matters: over every `n` rounds (`2n` for an odd `n`) each server follows each
 * other one equally often. (Rotating one order is not enough: it keeps every server's predecessor, and
 * the server after oidc-provider — which writes nothing — always started on a quiet database.)
 */
function runOrder(n: number, round: number): number[] {
  const first = Array.from({ length: n }, (_, j) => (j % 2 === 0 ? j / 2 : n - (j + 1) / 2));
  const rows = Array.from({ length: n }, (_, r) => first.map((v) => (v + r) % n));
  const design = n % 2 === 0 ? rows : [...rows, ...rows.map((row) => [...row].reverse())];
  return design[round % design.length]!;
}

/**
 * The bare cost of one secret's cipher work in µs of CPU, as WSO2's format needs it: one RSA-OAEP (SHA-1)
 * public-key encryption, or one AES-256-GCM seal with a fresh 12-byte IV, plus WSO2's envelope (with a key id
 * as long as the Key Manager's, Base64 of a SHA-256) — node:crypto, JSON and base64 by hand, in this process,
 * on a 64-character secret (as the Key Manager issues). Measured after the load, in the same run, in CPU time
 * (as the servers' cost is): on a busy machine wall time also counts the time other processes had the CPU.
 */
function bareCipherUs(publicKey: KeyObject, thumbprint: string): Record<'rsa-oaep' | 'aes-gcm', number> {
  const secret = randomBytes(SELECTOR_SECRET_BYTES).toString('base64url');
  const aesKey = randomBytes(32);
  const keyId = createHash('sha256').update(aesKey).digest('base64');
  const rsa = () => {
    const c = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(secret)).toString('base64');
    return Buffer.from(JSON.stringify({ c, t: 'RSA/ECB/OAEPwithSHA1andMGF1Padding', tp: thumbprint, tpd: 'SHA-1' })).toString('base64');
  };
  const aes = () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
    const sealed = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
    const inner = Buffer.from(JSON.stringify({ cipher: sealed.toString('base64'), initializationVector: iv.toString('base64'), keyId })).toString('base64');
    return Buffer.from(JSON.stringify({ c: inner, t: 'AES/GCM/NoPadding', iv: iv.toString('base64') })).toString('base64');
  };
  // The median of 7 rounds of ≈ 200 ms of CPU each (after a warm-up that also sizes them): other work on the
  // machine falls on some rounds only. (Rounds of a fixed 2,000 seals, until 2026-12-08, lasted 16–40 ms: the
  // bare AES-GCM figure moved between 7.7 and 15 µs from run to run.)
  const time = (work: () => string) => {
    const warm = process.cpuUsage();
    for (let i = 0; i < 500; i++) work();
    const warmUs = process.cpuUsage(warm);
    const perRound = Math.max(2000, Math.ceil((200_000 * 500) / Math.max(1, warmUs.user + warmUs.system)));
    const rounds = Array.from({ length: 7 }, () => {
      const started = process.cpuUsage();
      for (let i = 0; i < perRound; i++) work();
      const used = process.cpuUsage(started);
      return (used.user + used.system) / perRound;
    }).sort((a, b) => a - b);
    return rounds[3]!;
  };
  return { 'rsa-oaep': time(rsa), 'aes-gcm': time(aes) };
}

/**
 * Issue 17 item 4: what encryption adds per issuance (server + PostgreSQL CPU, on minus off) against its bare
 * cipher cost. Measured with every Key Manager answering the same fixed request rate (`costRows`): at full
 * load a slower server also forms smaller batches (fewer rows per INSERT and commit, fewer requests per
 * event-loop turn), so its CPU per request rises for reasons that are not the encryption's. PostgreSQL's
 * share is that of the server's own backends. The last column is the figure at full load with every
 * postgres process counted (`rows`), as this table gave before.
 */
/**
 * The same ratio from each round on its own: a round runs the on and off servers seconds apart, so a
 * slow spell of the machine (a checkpoint, autovacuum, another process) falls on both sides of a pair more
 * often than across the whole run; the median of the pairs and its quartiles show how settled the figure is.
 */
function pairedRatio(on: Row, off: Row, cost: number): string {
  const pairs = on.roundCostUs
    .map((c, i) => (c === undefined || off.roundCostUs[i] === undefined ? undefined : (c - off.roundCostUs[i]!) / cost))
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  if (pairs.length === 0) return '–';
  const at = (q: number) => pairs[Math.round(q * (pairs.length - 1))]!;
  return `${at(0.5).toFixed(2)} (${at(0.25).toFixed(2)}–${at(0.75).toFixed(2)})`;
}

function cipherCostTable(costRows: Row[], rows: Row[], bare: Record<'rsa-oaep' | 'aes-gcm', number>): string {
  const lines = [
    '| token | encryption | req/s (fixed) | server CPU µs/req, on | off | of which main thread, on | off | PostgreSQL backends µs/req, on | off | extra µs/req (server + backends) | bare cipher work + envelope µs | extra ÷ bare | per-round pairs: extra ÷ bare, median (quartiles) | at full load, all postgres processes: extra ÷ bare |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const offOf = (list: Row[], format: TokenFormat) => list.find((x) => x.scenario === 'issue' && x.target.server === 'key-manager' && x.target.mode === 'off' && x.target.format === format);
  const us = (v: number | undefined) => (v === undefined ? '–' : String(Math.round(v)));
  for (const r of costRows) {
    const t = r.target;
    if (r.scenario !== 'issue' || t.server !== 'key-manager' || (t.mode !== 'rsa-oaep' && t.mode !== 'aes-gcm')) continue;
    const off = offOf(costRows, t.format);
    if (!off || r.serverCpuUs === undefined || r.backendCpuUs === undefined || off.serverCpuUs === undefined || off.backendCpuUs === undefined) continue;
    const cost = bare[t.mode];
    const extra = r.serverCpuUs + r.backendCpuUs - (off.serverCpuUs + off.backendCpuUs);
    const full = rows.find((x) => x.scenario === 'issue' && x.target === t);
    const fullOff = offOf(rows, t.format);
    const fullRatio =
      full?.serverCpuUs === undefined || full.postgresCpuUs === undefined || fullOff?.serverCpuUs === undefined || fullOff.postgresCpuUs === undefined
        ? '–'
        : (((full.serverCpuUs + full.postgresCpuUs) - (fullOff.serverCpuUs + fullOff.postgresCpuUs)) / cost).toFixed(2);
    lines.push(
      `| ${t.format} | ${t.mode} | ${Math.round(r.rps)} | ${us(r.serverCpuUs)} | ${us(off.serverCpuUs)} | ${us(r.mainThreadCpuUs)} | ${us(off.mainThreadCpuUs)} | ` +
        `${us(r.backendCpuUs)} | ${us(off.backendCpuUs)} | ${Math.round(extra)} | ${cost.toFixed(1)} | ${(extra / cost).toFixed(2)} | ${pairedRatio(r, off, cost)} | ${fullRatio} |`,
    );
  }
  return lines.join('\n');
}

function table(rows: Row[]): string {
  const find = (pred: (r: Row) => boolean) => rows.find(pred);
  // The median of per-round ratios: within a round the servers run back to back, seconds apart, so a slow
  // phase of a shared machine (they come and go over tens of seconds) falls on both sides of each ratio.
  const ratio = (a: Row, b: Row | undefined) => {
    if (!b) return '–';
    const perRound = a.rounds.map((rps, i) => rps / b.rounds[i]!).sort((x, y) => x - y);
    return `${perRound[Math.floor((perRound.length - 1) / 2)]!.toFixed(2)}×`;
  };
  const lines = [
    '| scenario | token | server | encryption | req/s (median) | req/s (best) | p50 ms | p99 ms | non-2xx + errors | server CPU µs/req | main thread busy | PostgreSQL CPU µs/req | on/off | vs oidc-provider |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const t = r.target;
    const off = find((x) => x.scenario === r.scenario && x.target.server === 'key-manager' && x.target.mode === 'off' && x.target.format === t.format);
    // Introspection: oidc-provider does not introspect its JWT access tokens, so every row compares with its opaque one.
    const oidcFormat = r.scenario === 'introspect' ? 'opaque' : t.format;
    const oidc = find((x) => x.scenario === r.scenario && x.target.server === 'oidc-provider' && x.target.format === oidcFormat);
    const onOff = t.server === 'key-manager' && t.mode !== 'off' ? ratio(r, off) : '–';
    const versus = t.server === 'key-manager' ? ratio(r, oidc) : '–';
    const us = (v: number | undefined) => (v === undefined ? '–' : String(Math.round(v)));
    lines.push(
      `| ${r.scenario} | ${t.format} | ${t.server} | ${t.mode} | ${Math.round(r.rps)} | ${Math.round(r.best)} | ${r.p50} | ${r.p99} | ${r.failures} | ` +
        `${us(r.serverCpuUs)} | ${r.mainThreadBusy === undefined ? '–' : `${Math.round(r.mainThreadBusy)}%`} | ${us(r.postgresCpuUs)} | ${onOff} | ${versus} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) {
    const role = argument('--serve');
    return role === 'key-manager' ? serveKeyManager() : serveOidcProvider();
  }
  const duration = durationSec();
  const rounds = Math.max(1, Math.round(Number(process.env.BENCH_ROUNDS ?? 5)));
  const dir = await mkdtemp(join(tmpdir(), 'km-bench-'));
  const running: Running[] = [];
  // For pg_stat_activity: which PostgreSQL backends serve which Key Manager.
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    const keystore = join(dir, 'primary.p12');
    await writeFile(keystore, await createPkcs12Keystore({ alias: 'wso2carbon', password: 'bench-keystore' }), { mode: 0o600 });
    running.push(await startOidcProviderTarget('opaque'), await startOidcProviderTarget('JWT'));
    for (const mode of MODES) running.push(await startKeyManagerTargets(mode, dir, keystore));
    const targets = running.flatMap((r) => r.targets);
    for (const target of targets) await load(target, 'issue', Math.min(2, duration), db); // warm-up (JIT, pools)
    const rows: Row[] = [];
    // Scenario by scenario, every server in turn, in several short rounds: background load on a shared
    // machine comes and goes, and taking turns gives every server the same share of it. Each server gets
    // `duration` seconds per scenario in total; the table reports the median round (and the best).
    const roundSec = duration / rounds;
    for (const scenario of ['issue', 'introspect'] as const) {
      for (const format of ['opaque', 'JWT'] as const) {
        if (!selected(scenario, format)) continue;
        const group = targets.filter((t) => t.format === format && !(scenario === 'introspect' && t.server === 'oidc-provider' && format === 'JWT'));
        const results = new Map<Target, Measured[]>(group.map((t) => [t, []]));
        for (let round = 0; round < rounds; round++) {
          process.stderr.write(`${scenario} ${format}, round ${round + 1}/${rounds}\n`);
          const order = runOrder(group.length, round).map((i) => group[i]!);
          for (const target of order) results.get(target)!.push(await load(target, scenario, roundSec, db));
        }
        for (const target of group) rows.push(summarise(target, scenario, results.get(target)!));
      }
    }
    // Encryption's cost (issue 17 item 4): the Key Managers again, each at the same fixed rate — a share of
    // the slowest one's median above, so that every one keeps up — in the same kind of rounds.
    const costRows: Row[] = [];
    const rates = new Map<TokenFormat, number>();
    for (const format of ['opaque', 'JWT'] as const) {
      const group = targets.filter((t) => t.server === 'key-manager' && t.format === format);
      const measured = rows.filter((r) => r.scenario === 'issue' && group.includes(r.target));
      if (!selected('issue', format) || measured.length !== group.length) continue;
      const rate = Math.max(1, Math.round(COST_LOAD * Math.min(...measured.map((r) => r.rps))));
      rates.set(format, rate);
      const results = new Map<Target, Measured[]>(group.map((t) => [t, []]));
      for (let round = 0; round < rounds; round++) {
        process.stderr.write(`issue ${format} at ${rate} req/s, round ${round + 1}/${rounds}\n`);
        for (const target of runOrder(group.length, round).map((i) => group[i]!)) results.get(target)!.push(await load(target, 'issue', roundSec, db, rate));
      }
      for (const target of group) costRows.push(summarise(target, 'issue', results.get(target)!));
    }
    process.stdout.write(
      `\n${CONNECTIONS} connections; per server and scenario ${rounds} rounds of ${roundSec} s (${duration} s); Node ${process.version}; ` +
        `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end\n\n${table(rows)}\n`,
    );
    process.stdout.write(`\n${await sealingReport(targets)}\n`);
    // One secret is sealed per client_credentials issuance (the access token, or a JWT's jti; no refresh token).
    const key = await loadKeystore({ file: keystore, type: 'PKCS12', password: 'bench-keystore', alias: 'wso2carbon' });
    const bare = bareCipherUs(createPublicKey(key.publicKey.export({ format: 'pem', type: 'spki' })), key.thumbprint);
    process.stdout.write(
      `\nEncryption's cost against its physical minimum (issuance; one secret sealed per request; every Key Manager at ` +
        `${[...rates].map(([format, rate]) => `${rate} req/s ${format}`).join(', ')}, ${COST_LOAD} × the slowest one's median above; ` +
        `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end):\n\n${cipherCostTable(costRows, rows, bare)}\n`,
    );
  } finally {
    await db.end();
    for (const r of running) await r.cleanup().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
