// `tokens migrate` on 100,000 stored access tokens: plaintext → RSA-OAEP, then RSA-OAEP → AES-GCM, each run
// as the real CLI in its own process (as an operator runs it), against the local Postgres. Prints rows/s and
// the command's peak memory, next to a baseline measured in the same run: the same cryptographic work per
// row done with bare node:crypto in one process (no database) — the ratio is what batching, Postgres round
// trips and the concurrency-safe UPDATE cost on top of the crypto.
//
//   npm run bench:migrate                 (builds, then runs dist/bench/migrate/migrate.bench.js)
//   BENCH_ROWS=20000 npm run bench:migrate
//   BENCH_ROWS=1000000 BENCH_SCENARIOS=pool npm run bench:migrate   (only plaintext → RSA-OAEP and RSA-OAEP →
//       AES-GCM with the pool, and the pool alone on at most 100,000 rows: what a 1M-row run can afford)
//   BENCH_PROGRESS_LOG=/tmp/migrate.log npm run bench:migrate   (the commands' progress lines go there as they
//       run, rows/s every 2 s: a run stopped before its end still tells its rate)
//   BENCH_CPU_PROF=/tmp/prof npm run bench:migrate   (each command run writes --cpu-prof profiles there,
//       one per thread)
//
// Memory stays bounded: a second plaintext → RSA-OAEP run on a fifth of the rows shows the same peak.
//
// The RSA work runs in the command's worker pool (RsaWorkerPool, one thread per core by default): RSA-OAEP →
// AES-GCM runs once with --threads 0 (all on the main thread, as before the pool) and once with the default,
// and the pool alone (no database) does the same work on the same row count. Their ratio is taken against
// cores × the single-core bare rate: what the machine's cores could do with nothing else to do.
import { spawnSync } from 'node:child_process';
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, randomUUID } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { createPkcs12Keystore, Keyring, loadKeystore, parseSymmetricKey, RsaWorkerPool, SecretCipher, SecretKinds, TokenProcessor, Transformations, type KeystoreKey } from '@app/crypto';
import { applyMigrations } from '@app/platform';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 100_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 500);
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(REPO, 'dist/apps/cli/src/main.js');
const AES_KEY = 'bench-symmetric-key-32-chars-ok!';
const HEAP_CAP_MIB = 96;
const CORES = availableParallelism();
const SCENARIOS = process.env['BENCH_SCENARIOS'] ?? 'all';
if (SCENARIOS !== 'all' && SCENARIOS !== 'pool') throw new Error(`BENCH_SCENARIOS is all or pool, not ${SCENARIOS}`);
const CPU_PROF = process.env['BENCH_CPU_PROF'];
const PROGRESS_LOG = process.env['BENCH_PROGRESS_LOG'];
const progressLog = PROGRESS_LOG ? openSync(PROGRESS_LOG, 'a') : undefined;
// The pool alone holds every sealed value in memory: capped so a 1M-row run does not measure the heap.
const POOL_ALONE_ROWS = SCENARIOS === 'all' ? ROWS : Math.min(ROWS, 100_000);

interface Row {
  scenario: string;
  threads: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakMiB: number;
  bareRowsPerSecond: number;
  /** Share of the run's row updates that were HOT (no new index entries), from pg_stat_user_tables. */
  hotShare: number;
  /** CPU time of the command's process (every thread, start-up included) per row, µs; PostgreSQL's not counted. */
  cpuUsPerRow: number;
  /** CPU time of the bare node:crypto work per row, µs: less sensitive to the machine's load than its rate. */
  bareCpuUsPerRow: number;
}

/** CPU seconds (user + system) of this process's children that have been waited for, from /proc; NaN elsewhere. */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime, fields 16 and 17 of proc(5), in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** Row updates and HOT row updates of the bench's oauth_tokens so far (the command's backends report theirs as they exit). */
async function updateCounts(pool: pg.Pool, schema: string): Promise<{ upd: number; hot: number }> {
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the statistics a backend sends on exit
  const { rows } = await pool.query<{ upd: string; hot: string }>(
    `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'oauth_tokens'`,
    [schema],
  );
  return { upd: Number(rows[0]?.upd ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}

async function seed(pool: pg.Pool, schema: string, rows: number): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.query(`CREATE SCHEMA "${schema}"`);
  // The Key Manager's own tables (its migrations, every one: `tokens migrate` reads each secret column), so the
  // bench migrates the real shape, indexes and stored-value-count triggers.
  const { KEY_MANAGER_MIGRATIONS } = await import('../../apps/key-manager/src/persistence/persistence.module.js');
  const client = await pool.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    await applyMigrations(client, KEY_MANAGER_MIGRATIONS);
    await client.query(
      `INSERT INTO oauth_clients (id, client_id, client_secret, client_secret_scheme, client_secret_hash, client_name, owner, grant_types, token_type,
         application_token_lifetime, user_token_lifetime, refresh_token_lifetime)
       VALUES ($1, 'bench-client', 'bench-secret', 'plain', encode(sha256('bench-secret'), 'hex'), 'bench', 'admin', '{client_credentials}', 'Default', 3600, 3600, 86400)`,
      [randomUUID()],
    );
    await client.query(
      `INSERT INTO oauth_tokens (id, client_id, token_type, grant_type, access_token, access_token_scheme, access_token_hash, issued_at, expires_at, family_id)
       SELECT gen_random_uuid(), 'bench-client', 'Default', 'client_credentials', t, 'plain', encode(sha256(convert_to(t, 'UTF8')), 'hex'), now(), now() + interval '1 day', gen_random_uuid()
         FROM (SELECT md5(random()::text) || md5(random()::text) AS t FROM generate_series(1, $1::int)) s`,
      [rows],
    );
    await client.query(`ANALYZE oauth_tokens`);
  } finally {
    client.release();
  }
}

/** Runs `tokens migrate` as the operator would; returns wall time and the peak memory the command reports. */
function migrate(configFile: string, threads: number): { seconds: number; cpuSeconds: number; peakMiB: number; migrated: number } {
  const started = process.hrtime.bigint();
  const cpuBefore = childrenCpuSeconds();
  const profile = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const result = spawnSync(process.execPath, [...profile, CLI, 'tokens', 'migrate', '--batch-size', String(BATCH), '--threads', String(threads)], {
    // A capped heap: the run must fit in it whatever the row count (memory bounded by the batch size).
    env: { ...process.env, DEPLOYMENT_CONFIG: configFile, NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', progressLog ?? 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = childrenCpuSeconds() - cpuBefore;
  if (result.status !== 0) throw new Error(`tokens migrate exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
  const summary = /(\d+) value\(s\) rewritten in [\d.]+ s \(\d+ rows\/s, peak memory (\d+) MiB\)/.exec(result.stdout);
  if (!summary) throw new Error(`unexpected output:\n${result.stdout}`);
  return { seconds, cpuSeconds, peakMiB: Number(summary[2]), migrated: Number(summary[1]) };
}

/**
 * Bare node:crypto doing each row's cryptographic work, rows per second (single thread, no database), on
 * `n` rows. Taken right before and right after each scenario and averaged, since the machine's load moves.
 */
function bare(work: () => void, n: number): { rate: number; cpuUs: number } {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) work();
  const used = process.cpuUsage(cpu);
  return { rate: n / (Number(process.hrtime.bigint() - started) / 1e9), cpuUs: (used.user + used.system) / n };
}

/**
 * The pool alone, no database: RSA-OAEP values read back and sealed with AES-GCM, batch after batch as
 * `tokens migrate` does, on `threads` threads. Rows per second.
 */
async function poolAlone(key: KeystoreKey, rows: number, threads: number): Promise<number> {
  const keyring = Keyring.create({ rsa: [key], symmetric: [parseSymmetricKey(AES_KEY)] });
  const rsaWriter = new TokenProcessor(new SecretCipher(keyring, { enabled: true, transformation: Transformations.RsaOaepSha1 }));
  const aesWriter = new TokenProcessor(new SecretCipher(keyring, { enabled: true, transformation: Transformations.AesGcm }));
  const sealer = RsaWorkerPool.start(rsaWriter, { threads });
  const pool = RsaWorkerPool.start(aesWriter, { threads });
  try {
    const batches: { stored: string; scheme: string }[][] = [];
    for (let done = 0; done < rows; done += BATCH) {
      const secrets = Array.from({ length: Math.min(BATCH, rows - done) }, () => randomBytes(32).toString('base64url'));
      batches.push(await sealer.protect(SecretKinds.AccessToken, secrets));
    }
    const started = process.hrtime.bigint();
    for (const batch of batches) {
      const read = await pool.reveal(SecretKinds.AccessToken, batch);
      await pool.protect(
        SecretKinds.AccessToken,
        read.map((r) => (r.ok ? r.plaintext : '')),
      );
    }
    return rows / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await Promise.all([sealer.close(), pool.close()]);
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-migrate-'));
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const kmSchema = `bench_km_${randomBytes(3).toString('hex')}`;
  const dpSchema = `bench_dp_${randomBytes(3).toString('hex')}`;
  const rows: Row[] = [];
  try {
    const keystoreFile = path.join(dir, 'primary.p12');
    await writeFile(keystoreFile, await createPkcs12Keystore({ alias: 'bench', password: 'bench-password' }));
    const key = await loadKeystore({ file: keystoreFile, type: 'PKCS12', password: 'bench-password', alias: 'bench' });
    const writeConfig = async (name: string, encryption: Record<string, unknown>) => {
      const file = path.join(dir, name);
      await writeFile(
        file,
        stringify({
          database: { url: DATABASE_URL },
          key_manager: { database: { schema: kmSchema } },
          devportal: { database: { schema: dpSchema } },
          // No NATS here: the command warns that it cannot check running services and goes on.
          transport: { nats: { servers: ['nats://127.0.0.1:1'] } },
          keystore: { primary: { file_name: keystoreFile, type: 'PKCS12', password: 'bench-password', alias: 'bench' } },
          super_admin: { username: 'admin', password: 'bench-admin-password' },
          ...encryption,
        }),
      );
      return file;
    };
    const rsaConfig = await writeConfig('rsa.toml', { apim: { oauth_config: { enable_token_encryption: true } } });
    // Back to RSA-OAEP from AES-GCM: the AES key stays configured, as an old key, to read what is stored.
    const rsaReadingAesConfig = await writeConfig('rsa-reading-aes.toml', { apim: { oauth_config: { enable_token_encryption: true } }, encryption: { old_key: AES_KEY } });
    const aesConfig = await writeConfig('aes.toml', {
      apim: { oauth_config: { enable_token_encryption: true } },
      system: { parameter: { 'org.wso2.CipherTransformation': 'AES/GCM/NoPadding' } },
      encryption: { key: AES_KEY },
    });

    const token = randomBytes(32).toString('base64');
    const rsaCiphertext = publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(token));
    const aesKey = Buffer.from(AES_KEY, 'utf8');
    parseSymmetricKey(AES_KEY);
    const bareEncrypt = () => bare(() => publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(token)), 20_000);
    const bareReencrypt = () => bare(() => {
      const plain = privateDecrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, rsaCiphertext);
      const cipher = createCipheriv('aes-256-gcm', aesKey, randomBytes(12));
      cipher.update(plain);
      cipher.final();
      cipher.getAuthTag();
    }, 5_000);

    const iv = randomBytes(12);
    const sealedAes = createCipheriv('aes-256-gcm', aesKey, iv);
    const aesCiphertext = Buffer.concat([sealedAes.update(Buffer.from(token)), sealedAes.final()]);
    const aesTag = sealedAes.getAuthTag();
    const bareDecrypt = () => bare(() => {
      const decipher = createDecipheriv('aes-256-gcm', aesKey, iv);
      decipher.setAuthTag(aesTag);
      const plain = Buffer.concat([decipher.update(aesCiphertext), decipher.final()]);
      publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, plain);
    }, 20_000);

    const run = async (scenario: string, count: number, config: string, fresh: boolean, bareOf: () => { rate: number; cpuUs: number }, threads = CORES) => {
      if (fresh) await seed(pool, kmSchema, count);
      process.stderr.write(`${scenario}, ${threads} thread(s): ${count} rows…\n`);
      const before = await updateCounts(pool, kmSchema);
      const bareBefore = bareOf();
      const r = migrate(config, threads);
      const bareAfter = bareOf();
      if (r.migrated < count) throw new Error(`${scenario}: migrated ${r.migrated} of ${count}`);
      const after = await updateCounts(pool, kmSchema);
      const hotShare = (after.hot - before.hot) / Math.max(1, after.upd - before.upd);
      rows.push({ scenario, threads, rows: count, seconds: r.seconds, rowsPerSecond: count / r.seconds, peakMiB: r.peakMiB,
        bareRowsPerSecond: (bareBefore.rate + bareAfter.rate) / 2, hotShare, cpuUsPerRow: (r.cpuSeconds * 1e6) / count, bareCpuUsPerRow: (bareBefore.cpuUs + bareAfter.cpuUs) / 2 });
    };
    if (SCENARIOS === 'all') await run('plaintext → RSA-OAEP', Math.round(ROWS / 5), rsaConfig, true, bareEncrypt);
    await run('plaintext → RSA-OAEP', ROWS, rsaConfig, true, bareEncrypt);
    if (SCENARIOS === 'all') {
      await run('RSA-OAEP → AES-GCM', ROWS, aesConfig, false, bareReencrypt, 0);
      await run('AES-GCM → RSA-OAEP', ROWS, rsaReadingAesConfig, false, bareDecrypt);
    }
    await run('RSA-OAEP → AES-GCM', ROWS, aesConfig, false, bareReencrypt);
    process.stderr.write(`the pool alone, ${CORES} thread(s): ${POOL_ALONE_ROWS} rows…\n`);
    const bareBefore = bareReencrypt();
    const alone = await poolAlone(key, POOL_ALONE_ROWS, CORES);
    const bareAfter = bareReencrypt();
    rows.push({ scenario: 'RSA-OAEP → AES-GCM, the pool alone (no database)', threads: CORES, rows: POOL_ALONE_ROWS, seconds: POOL_ALONE_ROWS / alone, rowsPerSecond: alone, peakMiB: NaN,
      bareRowsPerSecond: (bareBefore.rate + bareAfter.rate) / 2, hotShare: NaN, cpuUsPerRow: NaN, bareCpuUsPerRow: (bareBefore.cpuUs + bareAfter.cpuUs) / 2 });
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${kmSchema}" CASCADE`);
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(
    `\n\`tokens migrate\` (batch ${BATCH}, heap capped at ${HEAP_CAP_MIB} MiB), ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ` +
      `${CORES} core(s) (os.availableParallelism), load average ${load(loadAtStart)} at the start, ${load(loadavg())} at the end\n`,
  );
  console.log('| scenario | RSA threads | rows | seconds | rows/s | peak memory (MiB) | bare node:crypto rows/s, one core | ratio to one core | ratio to cores × one core | HOT updates | command CPU µs/row | bare CPU µs/row |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.scenario} | ${r.threads} | ${r.rows} | ${r.seconds.toFixed(1)} | ${Math.round(r.rowsPerSecond)} | ${Number.isNaN(r.peakMiB) ? '–' : r.peakMiB} | ${Math.round(r.bareRowsPerSecond)} | ` +
        `${(r.rowsPerSecond / r.bareRowsPerSecond).toFixed(2)} | ${(r.rowsPerSecond / (CORES * r.bareRowsPerSecond)).toFixed(2)} | ${Number.isNaN(r.hotShare) ? '–' : `${Math.round(r.hotShare * 100)} %`} | ` +
        `${Number.isNaN(r.cpuUsPerRow) ? '–' : Math.round(r.cpuUsPerRow)} | ${Math.round(r.bareCpuUsPerRow)} |`,
    );
  }
  const rsaToAes = rows.filter((r) => r.scenario === 'RSA-OAEP → AES-GCM' && r.threads === CORES).at(-1);
  if (rsaToAes) console.log(`\nProjected for 10,000,000 rows at that rate: ${(1e7 / rsaToAes.rowsPerSecond / 60).toFixed(0)} minutes (RSA-OAEP → AES-GCM, ${CORES} threads).`);
}

await main();
