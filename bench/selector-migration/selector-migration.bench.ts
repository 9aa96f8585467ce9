/**
 * What upgrading a large token table to token selectors costs (issue 17 item 1): a Key Manager schema as the
 * release before selectors left it (its migrations, whole unique hash indexes) holding BENCH_ROWS token rows
 * (10 million by default; ~700-character stored values like RSA-OAEP ciphertexts, a third with refresh
 * tokens), then, timed:
 *
 *   1. the `TokenSelectors` migration (two columns; two partial unique indexes built CONCURRENTLY: the table is
 *      read twice though the indexes come out empty) — what the first Key Manager of the new release runs at start;
 *   2. `TokenHashIndexesForLegacyRows` (on a table this size it leaves the whole hash indexes and warns), then
 *      `TokenTableFillFactor` (a storage parameter for new rows: a moment);
 *   3. `cli tokens narrow-hash-indexes` (the real command: partial hash indexes built CONCURRENTLY, the whole
 *      ones dropped), with its output.
 *
 * Baseline, in the same run: a sequential scan of the table (`count(*)`) and one plain `CREATE UNIQUE INDEX` on
 * `access_token_hash`. Meanwhile a writer inserts one token row every 10 ms: CONCURRENTLY must not hold it back
 * (its slowest insert is printed per step).
 *
 *   npm run build && node dist/bench/selector-migration/selector-migration.bench.js
 *   BENCH_ROWS=1000000 node dist/bench/selector-migration/selector-migration.bench.js
 *
 * The database `selector_migration_bench` is dropped at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { createPkcs12Keystore } from '@app/crypto';
import { applyMigrations } from '@app/platform';
import { KEY_MANAGER_MIGRATIONS } from '../../apps/key-manager/src/persistence/persistence.module.js';

const SERVER_URL = process.env.BENCH_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'selector_migration_bench';
const DATABASE_URL = new URL(SERVER_URL.replace(/\/[^/]*$/, `/${DATABASE}`)).toString();
const SCHEMA = 'key_manager';
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '../../apps/cli/src/main.js');

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function connect(): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`SET search_path TO ${SCHEMA}`);
  return db;
}

/** Fills oauth_tokens with `rows` rows, indexes dropped and built again after, as pg_restore does. */
async function fill(db: pg.Client, rows: number): Promise<void> {
  const stored = randomBytes(512).toString('base64'); // the length of a WSO2 RSA-OAEP envelope's ciphertext
  await db.query(
    `INSERT INTO oauth_clients (id, client_id, client_secret, client_secret_scheme, client_secret_hash, client_name, owner, grant_types, token_type,
       application_token_lifetime, user_token_lifetime, refresh_token_lifetime)
     VALUES ($1, 'bench-client', 'x', 'plain', encode(sha256('x'), 'hex'), 'bench', 'admin', '{client_credentials}', 'Default', 3600, 3600, 86400)`,
    [randomUUID()],
  );
  const indexes = (await db.query<{ name: string; def: string }>(`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND tablename = 'oauth_tokens'`, [SCHEMA])).rows;
  await db.query(`SET session_replication_role = replica`);
  for (const index of indexes) await db.query(index.name === 'oauth_tokens_pkey' ? `ALTER TABLE oauth_tokens DROP CONSTRAINT oauth_tokens_pkey` : `DROP INDEX ${index.name}`);
  const chunk = 500_000;
  for (let from = 1; from <= rows; from += chunk) {
    const to = Math.min(rows, from + chunk - 1);
    await db.query(
      `INSERT INTO oauth_tokens (id, client_id, scopes, token_type, grant_type, access_token, access_token_scheme, access_token_hash,
         refresh_token, refresh_token_scheme, refresh_token_hash, issued_at, expires_at, refresh_expires_at, family_id)
       SELECT id, 'bench-client', 'default', 'Default', 'client_credentials', $1, 'RSA/ECB/OAEPwithSHA1andMGF1Padding:bench',
              encode(sha256(convert_to('a' || g, 'UTF8')), 'hex'), CASE WHEN g % 3 = 0 THEN $1 END,
              CASE WHEN g % 3 = 0 THEN 'RSA/ECB/OAEPwithSHA1andMGF1Padding:bench' END,
              CASE WHEN g % 3 = 0 THEN encode(sha256(convert_to('r' || g, 'UTF8')), 'hex') END,
              issued, issued + interval '1 hour', CASE WHEN g % 3 = 0 THEN issued + interval '1 day' END, id
         FROM (SELECT g, gen_random_uuid() AS id, now() - random() * interval '90 days' AS issued FROM generate_series($2::bigint, $3::bigint) g) s`,
      [stored, from, to],
    );
    log(`  ${to.toLocaleString('en')} rows`);
  }
  await db.query(`SET session_replication_role = DEFAULT`);
  await db.query(`SET maintenance_work_mem = '512MB'`);
  for (const index of indexes) await db.query(index.def);
  await db.query(`RESET maintenance_work_mem`);
  await db.query(`VACUUM (ANALYZE) oauth_tokens`);
  await db.query(`CHECKPOINT`);
}

/** Inserts one token row every 10 ms until stopped; the slowest insert of each step. */
class Writer {
  private stopped = false;
  private slowestMs = 0;
  private count = 0;
  private done: Promise<void> | undefined;

  constructor(private readonly db: pg.Client) {}

  start(): void {
    this.done = (async () => {
      while (!this.stopped) {
        const started = performance.now();
        const id = randomUUID();
        await this.db.query(
          `INSERT INTO oauth_tokens (id, client_id, scopes, token_type, grant_type, access_token, access_token_scheme, access_token_hash, issued_at, expires_at, family_id)
           VALUES ($1, 'bench-client', 'default', 'Default', 'client_credentials', 'x', 'plain', $2, now(), now() + interval '1 hour', $1)`,
          [id, randomBytes(32).toString('hex')],
        );
        this.slowestMs = Math.max(this.slowestMs, performance.now() - started);
        this.count++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  }

  /** The slowest insert and the count since the last call. */
  take(): { slowestMs: number; count: number } {
    const taken = { slowestMs: this.slowestMs, count: this.count };
    this.slowestMs = 0;
    this.count = 0;
    return taken;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

/** Runs `cli tokens narrow-hash-indexes` without blocking this process (the writer goes on meanwhile). */
function run(config: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'tokens', 'narrow-hash-indexes'], { env: { ...process.env, DEPLOYMENT_CONFIG: config } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<{ sec: number; value: T }> {
  log(what);
  const started = performance.now();
  const value = await work();
  return { sec: (performance.now() - started) / 1000, value };
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  const dir = await mkdtemp(join(tmpdir(), 'selector-migration-bench-'));
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  let writerDb: pg.Client | undefined;
  try {
    await db.query(`CREATE SCHEMA ${SCHEMA}`);
    await db.query(`SET search_path TO ${SCHEMA}`);
    const selectorsAt = KEY_MANAGER_MIGRATIONS.findIndex((m) => m.name === 'TokenSelectors1797500000000');
    await applyMigrations(db, KEY_MANAGER_MIGRATIONS.slice(0, selectorsAt));
    log(`filling ${ROWS.toLocaleString('en')} rows (the release before selectors: whole hash indexes)`);
    const filled = await timed('fill', () => fill(db, ROWS));
    log(`  filled in ${filled.sec.toFixed(0)} s`);
    const size = (await db.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('oauth_tokens')) AS size`)).rows[0]!.size;

    // A sequential scan, not count(*)'s index-only scan of the smallest index.
    await db.query(`SET enable_indexonlyscan = off; SET enable_indexscan = off; SET enable_bitmapscan = off`);
    const scan = await timed('baseline: a sequential scan', () => db.query(`SELECT count(*) FROM oauth_tokens`));
    await db.query(`RESET enable_indexonlyscan; RESET enable_indexscan; RESET enable_bitmapscan`);
    const plainIndex = await timed('baseline: CREATE UNIQUE INDEX on access_token_hash', () => db.query(`CREATE UNIQUE INDEX bench_baseline_idx ON oauth_tokens (access_token_hash)`));
    await db.query(`DROP INDEX bench_baseline_idx`);
    await db.query(`CHECKPOINT`);

    writerDb = await connect();
    const writer = new Writer(writerDb);
    writer.start();
    await new Promise((r) => setTimeout(r, 1000));
    writer.take();
    const [selectors, legacy, fillFactor] = [KEY_MANAGER_MIGRATIONS[selectorsAt]!, KEY_MANAGER_MIGRATIONS[selectorsAt + 1]!, KEY_MANAGER_MIGRATIONS[selectorsAt + 2]!];
    const expand = await timed(`migration ${selectors.name}`, () => applyMigrations(db, [selectors]));
    const expandWrites = writer.take();
    const contract = await timed(`migration ${legacy.name}`, () => applyMigrations(db, [legacy]));
    const contractWrites = writer.take();
    const fillFactorStep = await timed(`migration ${fillFactor.name}`, () => applyMigrations(db, [fillFactor]));
    const fillFactorWrites = writer.take();
    const keystore = join(dir, 'primary.p12');
    await writeFile(keystore, Buffer.from(await createPkcs12Keystore({ alias: 'wso2carbon', password: 'bench-keystore' })), { mode: 0o600 });
    const config = join(dir, 'deployment.toml');
    await writeFile(
      config,
      stringify({
        database: { url: DATABASE_URL, schema: SCHEMA },
        keystore: { primary: { file_name: keystore, type: 'PKCS12', password: 'bench-keystore', alias: 'wso2carbon' } },
        super_admin: { username: 'admin', password: 'bench-admin-password' },
      }),
      { mode: 0o600 },
    );
    const cli = await timed('cli tokens narrow-hash-indexes', () => run(config));
    const cliWrites = writer.take();
    await writer.stop();
    if (cli.value.status !== 0) throw new Error(`the command failed (${cli.value.status}): ${cli.value.stderr}`);
    const again = await run(config);
    const indexes = (await db.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = 'oauth_tokens' AND indexname LIKE '%hash_key' ORDER BY 1`, [SCHEMA])).rows.map((r) => r.name);

    const row = (step: string, sec: number, writes?: { slowestMs: number; count: number }) =>
      `| ${step} | ${sec.toFixed(1)} | ${(sec / scan.sec).toFixed(1)}× | ${(sec / plainIndex.sec).toFixed(2)}× | ${writes ? `${writes.count} / ${writes.slowestMs.toFixed(0)} ms` : '–'} |`;
    process.stdout.write(
      `\n${ROWS.toLocaleString('en')} token rows (${size} with indexes); PostgreSQL ${(await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v}; Node ${process.version}\n\n` +
        `| step | seconds | × a sequential scan | × one CREATE UNIQUE INDEX | concurrent inserts / slowest |\n|---|---:|---:|---:|---:|\n` +
        [
          row('baseline: sequential scan (count(*))', scan.sec),
          row('baseline: CREATE UNIQUE INDEX (access_token_hash)', plainIndex.sec),
          row(`migration ${selectors.name} (expand)`, expand.sec, expandWrites),
          row(`migration ${legacy.name} (leaves the whole indexes)`, contract.sec, contractWrites),
          row(`migration ${fillFactor.name}`, fillFactorStep.sec, fillFactorWrites),
          row('cli tokens narrow-hash-indexes', cli.sec, cliWrites),
        ].join('\n') +
        `\n\nThe command said:\n\n${cli.value.stdout.trim()}\n${again.stdout.trim()}\n\nHash indexes after: ${indexes.join(', ')}\n`,
    );
  } finally {
    await writerDb?.end();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
