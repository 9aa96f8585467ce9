/**
 * Flat with table size: Key Manager issuance and introspection (opaque and JWT, RSA-OAEP token encryption on)
 * against a schema holding 10 thousand token rows and one holding BENCH_ROWS (10 million by default), in the
 * same run; then the same request path while the clean-up job deletes from the large table.
 *
 *   npm run bench:table-size                       # 10K against 10M (builds the fixture: minutes, ~16 GB)
 *   BENCH_ROWS=1000000 npm run bench:table-size    # 10K against 1M
 *   BENCH_IDS=v7 …                                 # stored rows as this Key Manager writes them (time-ordered ids, selectors) instead of
 *                                                  # as a table imported from WSO2 keeps them (random ids, no selectors: found by hash; the default)
 *   BENCH_KEEP=1 …                                 # keep the database `token_table_size_bench` (the 10K fixture) for the next run
 *
 * The fixture is built in SQL (generate_series), not through the API: rows expired, revoked, rotated and live
 * mixed as a shop has them, a quarter JWT, a third with refresh tokens, over 1,000 clients, every secret column
 * holding a real RSA-OAEP value of the Key Manager under test (a few real ciphertexts reused, each row with its
 * own hash), indexes rebuilt after loading and the table vacuumed and analysed as autovacuum would have.
 * Introspection is measured for a token the server issued (found by its selector) and for one without a
 * selector (a UUIDv4 beside the fixture rows, found by its hash, as a token imported from WSO2).
 * Each server runs in its own child process; autocannon runs here with 50 connections. Rounds alternate which
 * size goes first; each ratio is the median of per-round ratios. Rows a round issues are deleted after it, so
 * the small table stays small.
 */
import autocannon, { type Result as LoadResult } from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { STORED_SECRETS } from '@app/contracts';
import { createPkcs12Keystore } from '@app/crypto';
import { countStoredSecrets, runStatements, seedStoredValueCounts } from '@app/platform';
import { loadTokensQuery } from '../../apps/key-manager/src/persistence/tokens.repository.js';
import { basic, freePort, post, postgresCpu, postgresCpuBetween, processCpuSec, serveKeyManager, spawnServer, stopServer } from '../support/bench-kit.js';

const SELF = fileURLToPath(import.meta.url);
const SERVER_URL = process.env.BENCH_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'token_table_size_bench';
const DATABASE_URL = new URL(SERVER_URL.replace(/\/[^/]*$/, `/${DATABASE}`)).toString();
const SMALL = 10_000;
const LARGE = Number(process.env.BENCH_ROWS ?? 10_000_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));
const ROUND_SEC = Number(process.env.BENCH_ROUND_SEC ?? 3);
const CONNECTIONS = 50;
const CLIENTS = 1000;
const ADMIN = { username: 'admin', password: 'bench-admin-password' };
const ISSUE_BODY = 'grant_type=client_credentials&scope=bench';
/**
 * The stored rows' ids: `v4` random, as a table imported from WSO2 keeps them (TOKEN_ID), or `v7` time-ordered
 * (from each row's issue time), as this Key Manager writes them since it mints UUIDv7 row ids.
 */
const FIXTURE_IDS = process.env.BENCH_IDS === 'v7' ? 'v7' : 'v4';

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

// ---------------------------------------------------------------- one Key Manager on one schema

interface Client {
  clientId: string;
  authorization: string;
}

class Instance {
  child: ChildProcess | undefined;
  port = 0;
  startSec = 0;
  readonly clients = new Map<'opaque' | 'JWT', Client & { token: string; tokenId: string }>();
  /** An opaque token of the opaque client with no selector, found by its hash (as one imported from WSO2). */
  imported: { token: string; tokenId: string } | undefined;

  constructor(
    readonly label: string,
    readonly rows: number,
    readonly schema: string,
    private readonly dir: string,
    private readonly keystore: string,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async configFile(name: string, port: number, cleanup: Record<string, unknown>): Promise<string> {
    const file = join(this.dir, `${this.schema}-${name}.toml`);
    const document = {
      server: { host: '127.0.0.1', port, public_url: `http://127.0.0.1:${port}` },
      database: { url: DATABASE_URL, schema: this.schema, pool_size: 10 },
      keystore: { primary: { file_name: this.keystore, type: 'PKCS12', password: 'bench-keystore', alias: 'wso2carbon' } },
      super_admin: ADMIN,
      apim: { oauth_config: { enable_token_encryption: true } },
      oauth: { token_cleanup: cleanup },
      log: { level: 'warn' },
    };
    await writeFile(file, stringify(document), { mode: 0o600 });
    return file;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const file = await this.configFile('server', this.port, { enable: false });
    const started = process.hrtime.bigint();
    this.child = await spawnServer(SELF, ['key-manager', '--config', file]);
    this.startSec = Number(process.hrtime.bigint() - started) / 1e9;
  }

  async stop(): Promise<void> {
    if (this.child) await stopServer(this.child);
    this.child = undefined;
  }

  async register(format: 'opaque' | 'JWT'): Promise<Client> {
    const client = await post(
      `${this.base}/keymanager-operations/dcr/register`,
      basic(ADMIN.username, ADMIN.password),
      JSON.stringify({
        client_name: `bench ${format} ${randomBytes(3).toString('hex')}`,
        grant_types: ['client_credentials'],
        token_type_extension: format === 'JWT' ? 'JWT' : 'Default',
        ext_application_token_lifetime: 86400,
      }),
      'application/json',
    );
    return { clientId: String(client.client_id), authorization: basic(String(client.client_id), String(client.client_secret)) };
  }

  async issue(client: Client): Promise<string> {
    return String((await post(`${this.base}/oauth2/token`, client.authorization, ISSUE_BODY))['access_token']);
  }
}

// ---------------------------------------------------------------- the fixture, in SQL

interface Shapes {
  secret: { value: string; scheme: string };
  opaque: { value: string; scheme: string };
  jwt: { value: string; scheme: string; kid: string };
}

/** Real stored values of this Key Manager: a client secret, an opaque token and a JWT's jti, all RSA-OAEP. */
async function harvest(db: pg.Client, opaque: Client, jwt: Client): Promise<Shapes> {
  const one = async (clientId: string) =>
    (
      await db.query<{ value: string; scheme: string; kid: string; secret: string; secret_scheme: string }>(
        `SELECT t.access_token AS value, t.access_token_scheme AS scheme, t.signing_key_id AS kid, c.client_secret AS secret, c.client_secret_scheme AS secret_scheme
           FROM oauth_tokens t JOIN oauth_clients c USING (client_id) WHERE client_id = $1 LIMIT 1`,
        [clientId],
      )
    ).rows[0]!;
  const o = await one(opaque.clientId);
  const j = await one(jwt.clientId);
  return { secret: { value: o.secret, scheme: o.secret_scheme }, opaque: { value: o.value, scheme: o.scheme }, jwt: { value: j.value, scheme: j.scheme, kid: j.kid } };
}

/**
 * Fills `oauth_tokens` with `rows` rows. Out of every 20: 2 live, 2 revoked, 2 rotated (INACTIVE), 14 expired
 * (issued over the last 90 days, an hour's lifetime, refresh tokens a day's). A quarter JWT, a third with a
 * refresh token (password grant, a user name). Indexes are dropped and built again after loading, as
 * `pg_restore` does; foreign keys are not checked row by row (session_replication_role = replica).
 */
async function buildFixture(db: pg.Client, rows: number, shapes: Shapes): Promise<void> {
  await db.query(`SET session_replication_role = replica`);
  await db.query(`SET maintenance_work_mem = '512MB'`);
  await db.query(
    `INSERT INTO oauth_clients (id, client_id, client_secret, client_secret_scheme, client_secret_hash, client_name, owner, grant_types, token_type,
       application_token_lifetime, user_token_lifetime, refresh_token_lifetime)
     SELECT gen_random_uuid(), 'fx-client-' || g, $1, $2, encode(sha256(convert_to('fx-client-' || g, 'UTF8')), 'hex'), 'fixture ' || g, 'admin',
            '{client_credentials,password,refresh_token}', CASE WHEN g % 4 = 0 THEN 'JWT' ELSE 'Default' END, 3600, 3600, 86400
       FROM generate_series(1, ${CLIENTS}) g`,
    [shapes.secret.value, shapes.secret.scheme],
  );
  const indexes = (
    await db.query<{ name: string; def: string }>(`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'oauth_tokens' AND indexname <> 'oauth_tokens_pkey'`)
  ).rows;
  for (const index of indexes) await db.query(`DROP INDEX "${index.name}"`);
  await db.query(`ALTER TABLE oauth_tokens DROP CONSTRAINT oauth_tokens_pkey`);
  const chunk = 500_000;
  for (let from = 1; from <= rows; from += chunk) {
    const to = Math.min(rows, from + chunk - 1);
    await db.query(
      `INSERT INTO oauth_tokens (id, client_id, username, scopes, token_type, grant_type, access_token, access_token_scheme, access_token_hash,
         refresh_token, refresh_token_scheme, refresh_token_hash, issued_at, expires_at, refresh_expires_at, revoked_at, state, family_id, signing_key_id,
         access_token_selector, refresh_token_selector)
       SELECT id, 'fx-client-' || (1 + g % ${CLIENTS}), CASE WHEN refresh THEN 'user' || (g % 50000) END, 'default',
              CASE WHEN jwt THEN 'JWT' ELSE 'Default' END, CASE WHEN refresh THEN 'password' ELSE 'client_credentials' END,
              CASE WHEN jwt THEN $3 ELSE $1 END, CASE WHEN jwt THEN $4 ELSE $2 END, encode(sha256(convert_to('fx-a-' || g, 'UTF8')), 'hex'),
              CASE WHEN refresh THEN $1 END, CASE WHEN refresh THEN $2 END, CASE WHEN refresh THEN encode(sha256(convert_to('fx-r-' || g, 'UTF8')), 'hex') END,
              issued, issued + interval '1 hour', CASE WHEN refresh THEN issued + interval '1 day' END,
              CASE WHEN kind IN (2, 3) THEN issued + interval '10 minutes' END,
              CASE WHEN kind IN (2, 3) THEN 'REVOKED' WHEN kind IN (4, 5) THEN 'INACTIVE' ELSE 'ACTIVE' END,
              ${FIXTURE_IDS === 'v7' ? 'id' : 'gen_random_uuid()'}, CASE WHEN jwt THEN $5 END,
              ${
                FIXTURE_IDS === 'v7'
                  ? // Selectors as this Key Manager writes them: UUIDv7s of the issue time (the id's time, other random bits).
                    `overlay(id::text placing substr(md5('a' || g), 1, 4) from 25 for 4)::uuid, CASE WHEN refresh THEN overlay(id::text placing substr(md5('r' || g), 1, 4) from 25 for 4)::uuid END`
                  : // As imported from WSO2 (or issued before selectors): none, found by hash.
                    'NULL::uuid, NULL::uuid'
              }
         FROM (SELECT *, ${
           FIXTURE_IDS === 'v7'
             ? // UUIDv7 from the issue time: 48 bits of milliseconds, '7', then a v4's random and variant bits.
               `(lpad(to_hex((extract(epoch FROM issued) * 1000)::bigint), 12, '0') || '7' || substr(r, 14, 3) || substr(r, 17, 16))::uuid`
             : 'gen_random_uuid()'
         } AS id
                 FROM (SELECT g, g % 4 = 0 AS jwt, g % 3 = 0 AS refresh, (g / 7) % 20 AS kind, replace(gen_random_uuid()::text, '-', '') AS r,
                              CASE WHEN (g / 7) % 20 < 2 THEN now() - random() * interval '50 minutes'
                                   ELSE now() - interval '1 hour' - random() * interval '90 days' END AS issued
                         FROM generate_series(${from}::bigint, ${to}::bigint) g) s0) s`,
      [shapes.opaque.value, shapes.opaque.scheme, shapes.jwt.value, shapes.jwt.scheme, shapes.jwt.kid],
    );
    log(`  ${to.toLocaleString('en')} rows`);
  }
  await db.query(`ALTER TABLE oauth_tokens ADD CONSTRAINT oauth_tokens_pkey PRIMARY KEY (id)`);
  for (const index of indexes) {
    await db.query(index.def);
    log(`  index ${index.name}`);
  }
  await db.query(`SET session_replication_role = DEFAULT`);
  // Running counts of stored values, where this release keeps them: what the fixture added, as its migration seeds them.
  if ((await db.query(`SELECT to_regclass('stored_value_counts') IS NOT NULL AS present`)).rows[0].present) {
    await db.query(`DELETE FROM stored_value_counts WHERE table_name IN ('oauth_tokens', 'oauth_clients')`);
    await runStatements(db, seedStoredValueCounts(STORED_SECRETS['key-manager'].filter((c) => c.table === 'oauth_tokens' || c.table === 'oauth_clients')));
  }
  await db.query(`VACUUM (ANALYZE) oauth_tokens`);
  await db.query(`VACUUM (ANALYZE) oauth_clients`);
  // The gigabytes just written go to disk now, not during the measured rounds.
  await db.query(`CHECKPOINT`);
  await db.query(`CREATE TABLE bench_fixture (rows bigint NOT NULL)`);
  await db.query(`INSERT INTO bench_fixture VALUES ($1)`, [rows]);
}

async function connect(schema?: string): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  if (schema) await db.query(`SET search_path TO "${schema}"`);
  return db;
}

/** Starts the Key Manager on its schema, building the fixture first when the schema does not hold it yet. */
async function prepare(instance: Instance): Promise<void> {
  await instance.start();
  const db = await connect(instance.schema);
  try {
    const built = (await db.query(`SELECT to_regclass('bench_fixture') IS NOT NULL AS present`)).rows[0].present
      ? Number((await db.query(`SELECT rows FROM bench_fixture`)).rows[0]?.rows ?? -1)
      : undefined;
    if (built !== instance.rows) {
      if (built !== undefined) throw new Error(`schema ${instance.schema} holds a fixture of ${built} rows: drop the database ${DATABASE}`);
      log(`${instance.label}: building ${instance.rows.toLocaleString('en')} rows`);
      const started = Date.now();
      const opaque = await instance.register('opaque');
      const jwt = await instance.register('JWT');
      await instance.issue(opaque);
      await instance.issue(jwt);
      const shapes = await harvest(db, opaque, jwt);
      await instance.stop();
      await buildFixture(db, instance.rows, shapes);
      log(`${instance.label}: fixture built in ${Math.round((Date.now() - started) / 1000)} s`);
      await instance.start(); // timed: start-up against the full table
    }
    for (const format of ['opaque', 'JWT'] as const) {
      const client = await instance.register(format);
      const token = await instance.issue(client);
      const { id } = (await db.query<{ id: string }>(`SELECT id FROM oauth_tokens WHERE client_id = $1`, [client.clientId])).rows[0]!;
      instance.clients.set(format, { ...client, token, tokenId: id });
    }
    // A copy of the opaque client's row as WSO2's import leaves one: a UUIDv4 token, no selector, found by hash.
    const imported = randomUUID();
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO oauth_tokens (id, client_id, username, scopes, token_type, grant_type, access_token, access_token_scheme, access_token_hash,
         issued_at, expires_at, state, family_id)
       SELECT g, client_id, username, scopes, token_type, grant_type, access_token, access_token_scheme, encode(sha256(convert_to($2, 'UTF8')), 'hex'),
              issued_at, expires_at + interval '1 day', state, g
         FROM oauth_tokens, gen_random_uuid() g WHERE id = $1
       RETURNING id`,
      [instance.clients.get('opaque')!.tokenId, imported],
    );
    instance.imported = { token: imported, tokenId: rows[0]!.id };
  } finally {
    await db.end();
  }
}

// ---------------------------------------------------------------- load

type Scenario = 'issue' | 'introspect';
type Measured = LoadResult & { serverCpuSec?: number; postgresCpuSec?: number; walBytes?: number; walFullPages?: number };

/**
 * BENCH_WAL_BY_RELATION=1: after each load, which relations the full-page images of its WAL went to
 * (pg_walinspect, PostgreSQL 15+; the extension is created in the bench database). A diagnostic, on stderr.
 */
const WAL_BY_RELATION = process.env.BENCH_WAL_BY_RELATION === '1';
async function fullPagesByRelation(fromLsn: string): Promise<string> {
  const { rows: [end] } = await walStatsDb!.query<{ lsn: string; after: boolean }>(`SELECT pg_current_wal_flush_lsn()::text AS lsn, pg_current_wal_flush_lsn() > $1::pg_lsn AS after`, [fromLsn]);
  if (!end!.after) return 'none (no WAL)';
  const { rows } = await walStatsDb!.query<{ relname: string; n: string }>(
    `SELECT coalesce(c.relname, m[1]) AS relname, count(*)::text AS n
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) w,
            regexp_matches(w.block_ref, 'rel \\d+/\\d+/(\\d+) fork \\w+ blk \\d+ \\(FPW\\)', 'g') m
       LEFT JOIN pg_class c ON c.relfilenode = m[1]::oid
      GROUP BY 1 ORDER BY count(*) DESC LIMIT 8`,
    [fromLsn, end!.lsn],
  );
  return rows.map((r) => `${r.relname} ${r.n}`).join(', ') || 'none';
}

/** The server's WAL so far (`pg_stat_wal`: the whole server, which runs nothing else during a benchmark). */
let walStatsDb: pg.Client | undefined;
async function walSoFar(): Promise<{ bytes: number; fullPages: number } | undefined> {
  if (!walStatsDb) return undefined;
  const { rows } = await walStatsDb.query<{ bytes: string; fpi: string }>(`SELECT wal_bytes::text AS bytes, wal_fpi::text AS fpi FROM pg_stat_wal`);
  return { bytes: Number(rows[0]!.bytes), fullPages: Number(rows[0]!.fpi) };
}

/** `imported`: introspection of the opaque client's token without a selector (found by hash). */
type Format = 'opaque' | 'JWT' | 'imported';

async function load(instance: Instance, scenario: Scenario, format: Format, seconds: number): Promise<Measured> {
  const client = format === 'imported' ? { ...instance.clients.get('opaque')!, token: instance.imported!.token } : instance.clients.get(format)!;
  const pid = instance.child!.pid!;
  const wal = await walSoFar();
  const fromLsn = WAL_BY_RELATION ? (await walStatsDb!.query<{ lsn: string }>(`SELECT pg_current_wal_flush_lsn()::text AS lsn`)).rows[0]!.lsn : undefined;
  const [server, postgres] = [processCpuSec(pid), postgresCpu()];
  const result = await autocannon({
    url: `${instance.base}/oauth2/${scenario === 'issue' ? 'token' : 'introspect'}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { authorization: client.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: scenario === 'issue' ? ISSUE_BODY : `token=${encodeURIComponent(client.token)}`,
  });
  const serverAfter = processCpuSec(pid);
  const postgresCpuSec = postgresCpuBetween(postgres, postgresCpu());
  const walAfter = await walSoFar();
  if (fromLsn) log(`  full-page images by relation, ${instance.label} ${scenario} ${format}: ${await fullPagesByRelation(fromLsn)}`);
  return {
    ...result,
    serverCpuSec: server === undefined || serverAfter === undefined ? undefined : serverAfter - server,
    postgresCpuSec,
    ...(wal && walAfter ? { walBytes: walAfter.bytes - wal.bytes, walFullPages: walAfter.fullPages - wal.fullPages } : {}),
  };
}

/** Deletes what a round issued (all of the client's rows but its introspection tokens), outside the measured time. */
async function forgetIssued(db: pg.Client, instance: Instance, format: 'opaque' | 'JWT'): Promise<void> {
  const client = instance.clients.get(format)!;
  await db.query(`DELETE FROM "${instance.schema}".oauth_tokens WHERE client_id = $1 AND id <> ALL($2::uuid[])`, [client.clientId, [client.tokenId, instance.imported!.tokenId]]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const perRequestUs = (results: Measured[], pick: (r: Measured) => number | undefined) => {
  const used = results.map(pick);
  const requests = results.reduce((n, r) => n + r.requests.total, 0);
  return used.every((u) => u !== undefined) && requests ? Math.round((used.reduce((a, b) => a! + b!, 0)! * 1e6) / requests) : undefined;
};

interface Line {
  label: string;
  results: Measured[];
}

function table(lines: Line[], baseline: (line: Line) => Line | undefined, ratioHead: string): string {
  const out = [
    `| scenario | req/s (median) | p50 ms | p99 ms (median round) | non-2xx + errors | server CPU µs/req | PostgreSQL CPU µs/req | WAL bytes/req | full-page images/req | req/s ${ratioHead} | p99 ${ratioHead} |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const line of lines) {
    const r = line.results;
    const base = baseline(line);
    const ratio = (pick: (m: Measured) => number) => (base ? `${median(r.map((m, i) => pick(m) / pick(base.results[i]!))).toFixed(2)}×` : '–');
    const byRps = [...r].sort((a, b) => a.requests.average - b.requests.average);
    const mid = byRps[Math.floor((byRps.length - 1) / 2)]!;
    const us = (v: number | undefined) => (v === undefined ? '–' : String(v));
    const requests = r.reduce((n, m) => n + m.requests.total, 0);
    const walPerRequest = (pick: (m: Measured) => number | undefined, digits: number) =>
      r.every((m) => pick(m) !== undefined) && requests ? (r.reduce((n, m) => n + pick(m)!, 0) / requests).toFixed(digits) : '–';
    out.push(
      `| ${line.label} | ${Math.round(mid.requests.average)} | ${mid.latency.p50} | ${mid.latency.p99} | ${r.reduce((n, m) => n + m.non2xx + m.errors + m.timeouts, 0)} | ` +
        `${us(perRequestUs(r, (m) => m.serverCpuSec))} | ${us(perRequestUs(r, (m) => m.postgresCpuSec))} | ${walPerRequest((m) => m.walBytes, 0)} | ${walPerRequest((m) => m.walFullPages, 2)} | ` +
        `${ratio((m) => m.requests.average)} | ${ratio((m) => m.latency.p99)} |`,
    );
  }
  return out.join('\n');
}

/** Wall time of the stored-values report (what `tokens status` and the readiness check count) on one schema. */
async function storedValuesReportMs(schema: string): Promise<number> {
  const db = await connect(schema);
  try {
    const started = process.hrtime.bigint();
    await countStoredSecrets(async (sql) => (await db.query(sql)).rows, STORED_SECRETS['key-manager'], { capability: () => 'readable', isCurrent: () => true });
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await db.end();
  }
}

/** Wall time of what the report did before the running counts: a GROUP BY over every secret column. */
async function fullScanReportMs(schema: string): Promise<number> {
  const db = await connect(schema);
  try {
    const started = process.hrtime.bigint();
    for (const c of STORED_SECRETS['key-manager']) await db.query(`SELECT "${c.scheme}", count(*) FROM "${c.table}" WHERE "${c.value}" IS NOT NULL GROUP BY 1`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await db.end();
  }
}

/**
 * The plans of introspection's look-up (the statement the token loader sends) on one schema, for a token with a
 * selector and one without, each run twice: the second run shows the pages a warm server touches per look-up.
 */
async function explainLookup(instance: Instance): Promise<string> {
  const db = await connect(instance.schema);
  try {
    const plans: string[] = [];
    for (const [what, tokenId] of [
      ['a token this Key Manager issued (by selector)', instance.clients.get('opaque')!.tokenId],
      ['a token without a selector (by hash)', instance.imported!.tokenId],
    ] as const) {
      const { hash, selector } = (
        await db.query<{ hash: string; selector: string | null }>(`SELECT access_token_hash AS hash, access_token_selector::text AS selector FROM oauth_tokens WHERE id = $1`, [tokenId])
      ).rows[0]!;
      // As the loader asks for it: by its selector when it has one, else by its hash.
      const { statement, values } = selector === null ? loadTokensQuery([], [hash]) : loadTokensQuery([selector], []);
      const explain = async () =>
        (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.text}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
      await explain();
      plans.push(`${what}:\n\n${await explain()}`);
    }
    return plans.join('\n\n');
  } finally {
    await db.end();
  }
}

async function deletedRows(db: pg.Client, schema: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT n_tup_del AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'oauth_tokens'`, [schema]);
  return Number(rows[0]?.n ?? 0);
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serveKeyManager();
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  if (!(await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DATABASE])).rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  const dir = await mkdtemp(join(tmpdir(), 'table-size-bench-'));
  const keystore = join(dir, 'primary.p12');
  // One keystore for every run that keeps the database: its values must stay readable.
  const db = await connect();
  await db.query(`CREATE TABLE IF NOT EXISTS public.bench_keystore (p12 bytea NOT NULL)`);
  let p12 = (await db.query<{ p12: Buffer }>(`SELECT p12 FROM public.bench_keystore`)).rows[0]?.p12;
  if (!p12) {
    p12 = Buffer.from(await createPkcs12Keystore({ alias: 'wso2carbon', password: 'bench-keystore' }));
    await db.query(`INSERT INTO public.bench_keystore VALUES ($1)`, [p12]);
  }
  await writeFile(keystore, p12, { mode: 0o600 });
  const small = new Instance('10K', SMALL, 'km_small', dir, keystore);
  const large = new Instance(LARGE >= 1e6 ? `${LARGE / 1e6}M` : `${LARGE / 1e3}K`, LARGE, `km_rows_${LARGE}_${FIXTURE_IDS}`, dir, keystore);
  let cleaner: ChildProcess | undefined;
  try {
    await prepare(small);
    await prepare(large);
    walStatsDb = db;
    if (WAL_BY_RELATION) await db.query(`CREATE EXTENSION IF NOT EXISTS pg_walinspect`);
    const plan = await explainLookup(large);
    const reportMs = { small: await storedValuesReportMs(small.schema), large: await storedValuesReportMs(large.schema) };
    const scanMs = { small: await fullScanReportMs(small.schema), large: await fullScanReportMs(large.schema) };
    for (const instance of [small, large]) for (const format of ['opaque', 'JWT'] as const) await load(instance, 'issue', format, 1); // warm-up
    for (const instance of [small, large]) for (const format of ['opaque', 'JWT'] as const) await forgetIssued(db, instance, format);

    const lines: Line[] = [];
    for (const scenario of ['issue', 'introspect'] as const) {
      for (const format of scenario === 'issue' ? (['opaque', 'JWT'] as const) : (['opaque', 'JWT', 'imported'] as const)) {
        const bySize = new Map<Instance, Measured[]>([[small, []], [large, []]]);
        for (let round = 0; round < ROUNDS; round++) {
          log(`${scenario} ${format}, round ${round + 1}/${ROUNDS}`);
          for (const instance of round % 2 === 0 ? [small, large] : [large, small]) {
            bySize.get(instance)!.push(await load(instance, scenario, format, ROUND_SEC));
            if (scenario === 'issue') await forgetIssued(db, instance, format as 'opaque' | 'JWT');
          }
        }
        const what = format === 'imported' ? 'opaque by hash (no selector)' : format;
        for (const instance of [small, large]) lines.push({ label: `${scenario} ${what}, ${instance.label} rows`, results: bySize.get(instance)! });
      }
    }

    // The clean-up job on the large table: a second Key Manager on its schema with clean-up every second, paused
    // (SIGSTOP) and resumed (SIGCONT) round by round, so each round with clean-up has one without it beside it.
    const cleanupFile = await large.configFile('cleaner', await freePort(), { enable: true, interval: 1, retention: 3600, batch_size: 1000 });
    log('clean-up: starting a Key Manager that cleans the large table');
    cleaner = await spawnServer(SELF, ['key-manager', '--config', cleanupFile]);
    const cleanupLines: Line[] = [];
    let deletedWhileRunning = 0;
    let runningSec = 0;
    for (const [scenario, format] of [['issue', 'opaque'], ['introspect', 'opaque'], ['introspect', 'JWT']] as const) {
      const on: Measured[] = [];
      const off: Measured[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        log(`clean-up, ${scenario} ${format}, round ${round + 1}/${ROUNDS}`);
        for (const running of round % 2 === 0 ? [true, false] : [false, true]) {
          cleaner.kill(running ? 'SIGCONT' : 'SIGSTOP');
          if (running) await new Promise((r) => setTimeout(r, 1500)); // the job's next tick
          const before = await deletedRows(db, large.schema);
          (running ? on : off).push(await load(large, scenario, format, ROUND_SEC));
          if (running) {
            deletedWhileRunning += (await deletedRows(db, large.schema)) - before;
            runningSec += ROUND_SEC;
          }
          cleaner.kill('SIGSTOP');
          if (scenario === 'issue') await forgetIssued(db, large, format);
        }
      }
      cleanupLines.push({ label: `${scenario} ${format}, ${large.label} rows, clean-up paused`, results: off });
      cleanupLines.push({ label: `${scenario} ${format}, ${large.label} rows, clean-up running`, results: on });
    }
    cleaner.kill('SIGKILL');
    // The clean-up changed the large fixture: a kept database builds it again next time.
    await db.query(`DROP SCHEMA "${large.schema}" CASCADE`);

    const header = `${CONNECTIONS} connections; stored rows' ids ${FIXTURE_IDS === 'v7' ? 'UUIDv7 (time-ordered)' : 'UUIDv4 (random, as imported from WSO2)'}; ${ROUNDS} rounds of ${ROUND_SEC} s per size and scenario; RSA-OAEP token encryption; Node ${process.version}`;
    process.stdout.write(`\n${header}\n\n${table(lines, (l) => (l.label.endsWith(`${large.label} rows`) ? lines[lines.indexOf(l) - 1] : undefined), `${large.label}/10K`)}\n`);
    process.stdout.write(
      `\nStart-up (spawn to listening, migrations and readability check included): 10K ${small.startSec.toFixed(1)} s, ${large.label} ${large.startSec.toFixed(1)} s\n` +
        `Stored-values report (count by scheme of every secret column): 10K ${reportMs.small.toFixed(1)} ms, ${large.label} ${reportMs.large.toFixed(1)} ms; ` +
        `the same by a GROUP BY over every column (as before the running counts): 10K ${scanMs.small.toFixed(1)} ms, ${large.label} ${scanMs.large.toFixed(1)} ms\n`,
    );
    process.stdout.write(`\nWhile the clean-up job runs on the ${large.label} table:\n\n${table(cleanupLines, (l) => (l.label.endsWith('running') ? cleanupLines[cleanupLines.indexOf(l) - 1] : undefined), 'running/paused')}\n`);
    process.stdout.write(`\nIntrospection's look-up on the ${large.label} table, EXPLAIN (ANALYZE, BUFFERS), warm:\n\n${plan}\n`);
    process.stdout.write(`\nClean-up deleted ${deletedWhileRunning.toLocaleString('en')} rows in the ${runningSec} s it ran under load (${Math.round(deletedWhileRunning / runningSec)} rows/s)\n`);
  } finally {
    // Killed, not stopped: a stopping Key Manager finishes its clean-up round first.
    cleaner?.kill('SIGKILL');
    await small.stop();
    await large.stop();
    await db.end();
    if (process.env.BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
