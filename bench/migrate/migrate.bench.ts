// `tokens migrate` on 100,000 stored access tokens: plaintext → RSA-OAEP, then RSA-OAEP → AES-GCM, each run
// as the real CLI in its own process (as an operator runs it), against the local Postgres. Prints rows/s and
// the command's peak memory, next to a baseline measured in the same run: the same cryptographic work per
// row done with bare node:crypto in one process (no database) — the ratio is what batching, Postgres round
// trips and the concurrency-safe UPDATE cost on top of the crypto.
//
//   npm run bench:migrate                 (builds, then runs dist/bench/migrate/migrate.bench.js)
//   BENCH_ROWS=20000 npm run bench:migrate
//
// Memory stays bounded: a second plaintext → RSA-OAEP run on a fifth of the rows shows the same peak.
import { spawnSync } from 'node:child_process';
import { constants, createCipheriv, privateDecrypt, publicEncrypt, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { createPkcs12Keystore, loadKeystore, parseSymmetricKey } from '@app/crypto';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 100_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 500);
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(REPO, 'dist/apps/cli/src/main.js');
const AES_KEY = 'bench-symmetric-key-32-chars-ok!';
const HEAP_CAP_MIB = 96;

interface Row {
  scenario: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakMiB: number;
  bareRowsPerSecond: number;
}

async function seed(pool: pg.Pool, schema: string, rows: number): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.query(`CREATE SCHEMA "${schema}"`);
  // The Key Manager's own table definition (its migration), so the bench migrates the real shape and indexes.
  const { InitialSchema1732600000000 } = await import('../../apps/key-manager/src/persistence/migrations/initial-schema.migration.js');
  const client = await pool.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    await new InitialSchema1732600000000().up({ query: (sql: string, params?: unknown[]) => client.query(sql, params).then((r) => r.rows) } as never);
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
function migrate(configFile: string): { seconds: number; peakMiB: number; migrated: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLI, 'tokens', 'migrate', '--batch-size', String(BATCH)], {
    // A capped heap: the run must fit in it whatever the row count (memory bounded by the batch size).
    env: { ...process.env, DEPLOYMENT_CONFIG: configFile, NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` },
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`tokens migrate exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
  const summary = /(\d+) value\(s\) rewritten in [\d.]+ s \(\d+ rows\/s, peak memory (\d+) MiB\)/.exec(result.stdout);
  if (!summary) throw new Error(`unexpected output:\n${result.stdout}`);
  return { seconds, peakMiB: Number(summary[2]), migrated: Number(summary[1]) };
}

/** Bare node:crypto doing each row's cryptographic work, rows per second (single thread, no database). */
function bare(work: () => void, rows: number): number {
  const n = Math.min(rows, 20_000);
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) work();
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main(): Promise<void> {
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
    const aesConfig = await writeConfig('aes.toml', {
      apim: { oauth_config: { enable_token_encryption: true } },
      system: { parameter: { 'org.wso2.CipherTransformation': 'AES/GCM/NoPadding' } },
      encryption: { key: AES_KEY },
    });

    const token = randomBytes(32).toString('base64');
    const rsaCiphertext = publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(token));
    const aesKey = Buffer.from(AES_KEY, 'utf8');
    parseSymmetricKey(AES_KEY);
    const bareEncrypt = bare(() => publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(token)), ROWS);
    const bareReencrypt = bare(() => {
      const plain = privateDecrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, rsaCiphertext);
      const cipher = createCipheriv('aes-256-gcm', aesKey, randomBytes(12));
      cipher.update(plain);
      cipher.final();
      cipher.getAuthTag();
    }, ROWS);

    const run = async (scenario: string, count: number, config: string, fresh: boolean, bareRate: number) => {
      if (fresh) await seed(pool, kmSchema, count);
      process.stderr.write(`${scenario}: ${count} rows…\n`);
      const r = migrate(config);
      if (r.migrated < count) throw new Error(`${scenario}: migrated ${r.migrated} of ${count}`);
      rows.push({ scenario, rows: count, seconds: r.seconds, rowsPerSecond: count / r.seconds, peakMiB: r.peakMiB, bareRowsPerSecond: bareRate });
    };
    await run('plaintext → RSA-OAEP', Math.round(ROWS / 5), rsaConfig, true, bareEncrypt);
    await run('plaintext → RSA-OAEP', ROWS, rsaConfig, true, bareEncrypt);
    await run('RSA-OAEP → AES-GCM', ROWS, aesConfig, false, bareReencrypt);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${kmSchema}" CASCADE`);
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\n\`tokens migrate\` (batch ${BATCH}, heap capped at ${HEAP_CAP_MIB} MiB), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}\n`);
  console.log('| scenario | rows | seconds | rows/s | peak memory (MiB) | bare node:crypto rows/s | ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.rows} | ${r.seconds.toFixed(1)} | ${Math.round(r.rowsPerSecond)} | ${r.peakMiB} | ${Math.round(r.bareRowsPerSecond)} | ${(r.rowsPerSecond / r.bareRowsPerSecond).toFixed(2)} |`);
  }
}

await main();
