// The migration engine against a real Postgres: batched, resumable, idempotent, and safe beside services
// that change values while it works.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { Keyring, loadKeystore, parseSymmetricKey, RsaWorkerPool, SecretCipher, TokenProcessor, Transformations, type KeystoreKey } from '@app/crypto';
import { STORED_SECRETS, type StoredSecretColumn } from '@app/contracts';
import { TokenMigrator, type MigrateOptions, type MigrationTarget } from '../src/tokens/token-migrator.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../test/support/test-database.js';
import { WSO2_VECTOR_KEYSTORE } from '../../../test/support/test-keystore.js';

const column: StoredSecretColumn = STORED_SECRETS['key-manager'].find((c) => c.table === 'oauth_tokens' && c.kind === 'access_token')!;
const AES_KEY = parseSymmetricKey('0123456789abcdef0123456789abcdef');

let rsa: KeystoreKey;
let pool: pg.Pool;
let schema: string;
let target: MigrationTarget;

const workerPools: RsaWorkerPool[] = [];

function processor(write: 'off' | 'rsa' | 'rsa256' | 'aes', keys: { rsa?: boolean; aes?: boolean } = { rsa: true, aes: true }): TokenProcessor {
  const keyring = Keyring.create({ rsa: keys.rsa === false ? [] : [rsa], symmetric: keys.aes === false ? [] : [AES_KEY] });
  const transformation = write === 'aes' ? Transformations.AesGcm : write === 'rsa256' ? Transformations.RsaOaepSha256 : Transformations.RsaOaepSha1;
  return new TokenProcessor(new SecretCipher(keyring, { enabled: write !== 'off', transformation, ...(keys.rsa === false ? {} : { rsaKeyId: rsa.thumbprint }), symmetricKeyId: AES_KEY.keyId }));
}

/** A migrator whose RSA work runs in worker threads (2 unless told), as `tokens migrate` runs it. */
function migrator(current: TokenProcessor, options: MigrateOptions, threads = 2): TokenMigrator {
  const workers = RsaWorkerPool.start(current, { threads });
  workerPools.push(workers);
  return new TokenMigrator(workers, options);
}

async function seed(count: number, with_: TokenProcessor): Promise<Map<string, string>> {
  const plaintexts = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const token = `token-${i}-${randomUUID()}`;
    const p = with_.protect('access_token', token);
    await pool.query(`INSERT INTO "${schema}".oauth_tokens (id, access_token, access_token_scheme, access_token_hash) VALUES ($1, $2, $3, $4)`, [id, p.stored, p.scheme, p.hash]);
    plaintexts.set(id, token);
  }
  return plaintexts;
}

async function rows(): Promise<Array<{ id: string; stored: string; scheme: string; hash: string }>> {
  return (await pool.query(`SELECT id::text, access_token AS stored, access_token_scheme AS scheme, access_token_hash AS hash FROM "${schema}".oauth_tokens ORDER BY id`)).rows;
}

beforeAll(async () => {
  rsa = await loadKeystore({ file: WSO2_VECTOR_KEYSTORE.file, type: 'PKCS12', password: 'wso2carbon', alias: 'wso2carbon' });
  pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
});
afterAll(() => pool.end());

beforeEach(async () => {
  schema = uniqueSchema('mig_t');
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`CREATE TABLE "${schema}".oauth_tokens (id uuid PRIMARY KEY, access_token text NOT NULL, access_token_scheme text NOT NULL, access_token_hash text NOT NULL UNIQUE)`);
  target = { service: 'key-manager', schema, pool };
});
afterEach(async () => {
  await Promise.all(workerPools.splice(0).map((w) => w.close()));
  await dropSchema(schema);
});

describe('TokenMigrator', () => {
  test.each([
    ['plaintext → RSA-OAEP', 'off', 'rsa', 2],
    ['RSA-OAEP → AES-GCM', 'rsa', 'aes', 2],
    ['RSA-OAEP → AES-GCM, no worker thread', 'rsa', 'aes', 0],
    ['RSA-OAEP → RSA-OAEP with SHA-256', 'rsa', 'rsa256', 3],
    ['AES-GCM → plaintext', 'aes', 'off', 2],
  ] as const)('%s: rewrites every value, in batches, and each still opens to the same secret with the same hash', async (_, from, to, threads) => {
    const plaintexts = await seed(23, processor(from));
    const current = processor(to);
    const result = await migrator(current, { batchSize: 5, dryRun: false, verify: true }, threads).migrateColumn(target, column);
    expect(result).toMatchObject({ pending: 23, migrated: 23, skippedConcurrent: 0, unreadable: 0, hashMismatch: 0, verifyFailures: 0 });
    for (const row of await rows()) {
      expect(row.scheme).toBe(current.cipher.writeScheme);
      expect(current.reveal('access_token', row)).toBe(plaintexts.get(row.id));
      expect(current.lookupHash(plaintexts.get(row.id)!)).toBe(row.hash);
      if (to !== 'off') expect(row.stored).not.toContain(plaintexts.get(row.id));
    }
  });

  test('is idempotent: a second run finds nothing to do and changes nothing', async () => {
    await seed(7, processor('off'));
    const migrate = migrator(processor('rsa'), { batchSize: 3, dryRun: false, verify: false });
    await migrate.migrateColumn(target, column);
    const after = await rows();
    expect(await migrate.migrateColumn(target, column)).toMatchObject({ pending: 0, migrated: 0 });
    expect(await rows()).toEqual(after);
  });

  test('is resumable: killed after a batch, a new run finishes the rest and rewrites nothing twice', async () => {
    const plaintexts = await seed(12, processor('off'));
    const migrate = migrator(processor('rsa'), { batchSize: 4, dryRun: false, verify: false });
    const killed = migrate.migrateColumn(target, column, {
      advance: () => {
        throw new Error('killed');
      },
    });
    await expect(killed).rejects.toThrow('killed');
    const partial = await rows();
    const doneFirst = partial.filter((r) => r.scheme !== 'plain');
    expect(doneFirst).toHaveLength(4);
    const resumed = await migrate.migrateColumn(target, column);
    expect(resumed).toMatchObject({ pending: 8, migrated: 8 });
    const final = await rows();
    // The rows of the first run were not rewritten (randomized ciphertexts would differ).
    for (const r of doneFirst) expect(final.find((f) => f.id === r.id)?.stored).toBe(r.stored);
    for (const r of final) expect(processor('rsa').reveal('access_token', r)).toBe(plaintexts.get(r.id));
  });

  test('never overwrites a value a service changed between our read and our write', async () => {
    await seed(6, processor('off'));
    const writer = processor('rsa');
    const [victim] = await rows();
    const replaced = writer.protect('access_token', 'replaced-by-the-service');
    // A pool whose UPDATE first lets "the service" rewrite one row, as a regenerate or refresh would.
    let raced = false;
    const racing = {
      query: (sql: string, params?: unknown[]) => pool.query(sql, params),
      connect: async () => {
      const client = await pool.connect();
      const query = client.query.bind(client) as (sql: string, params?: unknown[]) => Promise<unknown>;
      (client as unknown as { query: typeof query }).query = async (sql: string, params?: unknown[]) => {
        if (!raced && sql.trimStart().startsWith('UPDATE')) {
          raced = true;
          await pool.query(`UPDATE "${schema}".oauth_tokens SET access_token = $2, access_token_scheme = $3, access_token_hash = $4 WHERE id = $1`, [
            victim!.id,
            replaced.stored,
            replaced.scheme,
            replaced.hash,
          ]);
        }
        return query(sql, params);
      };
      const release = client.release.bind(client);
      client.release = (err?: Error | boolean) => {
        (client as unknown as { query: typeof query }).query = query;
        release(err);
      };
      return client;
      },
    } as unknown as pg.Pool;
    const result = await migrator(writer, { batchSize: 10, dryRun: false, verify: false }).migrateColumn({ ...target, pool: racing }, column);
    expect(result).toMatchObject({ migrated: 5, skippedConcurrent: 1 });
    const row = (await rows()).find((r) => r.id === victim!.id)!;
    expect(row.stored).toBe(replaced.stored);
    expect(writer.reveal('access_token', row)).toBe('replaced-by-the-service');
  });

  test('reports values under a key it does not hold, and leaves them untouched', async () => {
    await seed(3, processor('aes'));
    await seed(2, processor('off'));
    const withoutAes = processor('rsa', { rsa: true, aes: false });
    const before = (await rows()).filter((r) => r.scheme.startsWith('AES'));
    const result = await migrator(withoutAes, { batchSize: 2, dryRun: false, verify: false }).migrateColumn(target, column);
    expect(result).toMatchObject({ pending: 5, migrated: 2, unreadable: 3 });
    expect((await rows()).filter((r) => r.scheme.startsWith('AES'))).toEqual(before);
  });

  test('reports a value whose plaintext does not match its lookup hash, and leaves it untouched', async () => {
    await seed(2, processor('off'));
    const [broken] = await rows();
    await pool.query(`UPDATE "${schema}".oauth_tokens SET access_token = 'tampered' WHERE id = $1`, [broken!.id]);
    const result = await migrator(processor('rsa'), { batchSize: 10, dryRun: false, verify: false }).migrateColumn(target, column);
    expect(result).toMatchObject({ migrated: 1, hashMismatch: 1 });
    expect((await rows()).find((r) => r.id === broken!.id)).toMatchObject({ stored: 'tampered', scheme: 'plain' });
  });

  test("queues the next batch's decryption on the threads before it seals the current batch, so the threads never wait for it", async () => {
    const plaintexts = await seed(9, processor('rsa'));
    const current = processor('aes');
    const workers = RsaWorkerPool.start(current, { threads: 2 });
    workerPools.push(workers);
    const calls: string[] = [];
    const [reveal, protect] = [workers.reveal.bind(workers), workers.protect.bind(workers)];
    workers.reveal = (kind, values) => (calls.push(`reveal ${values.length}`), reveal(kind, values));
    workers.protect = (kind, secrets) => (calls.push(`protect ${secrets.length}`), protect(kind, secrets));
    const result = await new TokenMigrator(workers, { batchSize: 3, dryRun: false, verify: false }).migrateColumn(target, column);
    expect(result).toMatchObject({ migrated: 9 });
    // Batch 2 is read and queued before batch 1 is sealed, batch 3 before batch 2.
    expect(calls).toEqual(['reveal 3', 'reveal 3', 'protect 3', 'reveal 3', 'protect 3', 'protect 3']);
    for (const row of await rows()) expect(current.reveal('access_token', row)).toBe(plaintexts.get(row.id));
  });

  test('a dry run reads and checks everything and writes nothing', async () => {
    await seed(4, processor('off'));
    const before = await rows();
    const result = await migrator(processor('rsa'), { batchSize: 3, dryRun: true, verify: false }).migrateColumn(target, column);
    expect(result).toMatchObject({ pending: 4, migrated: 4 });
    expect(await rows()).toEqual(before);
  });
});
