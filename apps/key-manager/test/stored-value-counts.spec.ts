import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { COMPACT_STORED_VALUE_COUNTS } from '@app/platform';
import { TokenCleanupService } from '../src/tokens/token-cleanup.service.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase } from '../../../test/support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';
import { basic, register } from './km-test.helpers.js';

jest.setTimeout(90_000);

// The stored-values figures (readiness check, gauge, `tokens status`) come from running counts the database
// keeps with triggers. They must equal a full count after every kind of write, and be there right after start.

let tmp: TestConfigDir;
let keystore: TestKeystore;
let km: KeyManagerUnderTest;

const sql = (text: string, params: unknown[] = []) => queryTestDatabase(text, params, km.schema);

/** What a full scan counts, per table.column and scheme (the figures before the running counts). */
async function scanned(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [table, value, scheme] of [
    ['oauth_clients', 'client_secret', 'client_secret_scheme'],
    ['oauth_client_secrets', 'secret', 'secret_scheme'],
    ['oauth_tokens', 'access_token', 'access_token_scheme'],
    ['oauth_tokens', 'refresh_token', 'refresh_token_scheme'],
    ['authorization_codes', 'code', 'code_scheme'],
    ['device_authorizations', 'device_code', 'device_code_scheme'],
  ] as const) {
    for (const r of await sql(`SELECT ${scheme} AS scheme, count(*)::int AS n FROM ${table} WHERE ${value} IS NOT NULL GROUP BY 1`)) {
      out[`${table}.${value} ${String(r['scheme'])}`] = Number(r['n']);
    }
  }
  return out;
}

interface ReadyBody {
  details: { storedSecrets: { byScheme: Array<{ table: string; column: string; scheme: string; count: number }> } };
}

/** What /health/ready reports now, in the same shape. */
async function reported(): Promise<Record<string, number>> {
  const response = await fetch(`${km.managementUrl}/health/ready`);
  const body = (await response.json()) as ReadyBody;
  return Object.fromEntries(body.details.storedSecrets.byScheme.map((r) => [`${r.table}.${r.column} ${r.scheme}`, r.count]));
}

async function issue(clientId: string, secret: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const response = await fetch(`${km.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(200);
  }
}

beforeAll(async () => {
  tmp = await makeTempDir();
  keystore = await createTestKeystore(tmp.dir);
  km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: 'in-process', encryption: 'rsa-oaep' });
});

afterAll(async () => {
  await km?.stop();
  await tmp?.remove();
});

test('the readiness check and the gauge count what was issued at once, not minutes later', async () => {
  const client = await register(km, { grant_types: ['client_credentials'] });
  await issue(client.client_id, client.client_secret!, 3);
  const figures = await reported();
  const scheme = Object.keys(figures).find((k) => k.startsWith('oauth_tokens.access_token '))!;
  expect(figures[scheme]).toBe(3);
  expect(figures).toEqual(await scanned());
  const metrics = await (await fetch(`${km.managementUrl}/metrics`)).text();
  expect(metrics).toMatch(/token_encryption_stored_values\{table="oauth_tokens",column="access_token",scheme="[^"]+",state="current"[^}]*\} 3\n/);
});

test('the counts follow every kind of write: insert, update of the scheme, state changes, deletes, cascades, truncate', async () => {
  const client = await register(km, { grant_types: ['client_credentials'] });
  await issue(client.client_id, client.client_secret!, 4);
  const [one] = await sql(`SELECT id FROM oauth_tokens WHERE client_id = $1 LIMIT 1`, [client.client_id]);
  // As `tokens migrate` rewrites a value (another scheme), and as revocation changes a row without touching its secret.
  await sql(`UPDATE oauth_tokens SET access_token = 'x', access_token_scheme = 'plain' WHERE id = $1`, [one!['id']]);
  await sql(`UPDATE oauth_tokens SET state = 'REVOKED', revoked_at = now() - interval '2 days' WHERE client_id = $1`, [client.client_id]);
  // Rows with and without a refresh token, written in one statement (as a batch of the token writer, or COPY).
  await sql(
    `INSERT INTO oauth_tokens (id, client_id, token_type, grant_type, access_token, access_token_scheme, access_token_hash,
       refresh_token, refresh_token_scheme, refresh_token_hash, issued_at, expires_at, family_id)
     SELECT gen_random_uuid(), $1, 'Default', 'password', 'a', 'plain', md5(random()::text) || g, CASE WHEN g % 2 = 0 THEN 'r' END,
            CASE WHEN g % 2 = 0 THEN 'plain' END, CASE WHEN g % 2 = 0 THEN md5(random()::text) || g END, now(), now() + interval '1 hour', gen_random_uuid()
       FROM generate_series(1, 10) g`,
    [client.client_id],
  );
  expect(await reported()).toEqual(await scanned());

  // The clean-up job deletes the revoked rows; compaction folds the appended rows together and changes no figure.
  const cleanup = km.app.get(TokenCleanupService);
  expect((await cleanup.runOnce())?.tokens).toBe(4);
  expect(await reported()).toEqual(await scanned());
  await sql(COMPACT_STORED_VALUE_COUNTS);
  expect(await sql(`SELECT count(*)::int AS n FROM stored_value_counts`)).toEqual([{ n: Object.keys(await scanned()).length }]);
  expect(await reported()).toEqual(await scanned());

  // Deleting a client removes its tokens through the foreign key's cascade: counted too.
  const other = await register(km, { grant_types: ['client_credentials'] });
  await issue(other.client_id, other.client_secret!, 2);
  await sql(`DELETE FROM oauth_clients WHERE client_id = $1`, [other.client_id]);
  expect(await reported()).toEqual(await scanned());

  await sql(`TRUNCATE device_authorizations`);
  await sql(
    `INSERT INTO device_authorizations (id, device_code, device_code_scheme, device_code_hash, user_code_hash, client_id, issued_at, expires_at, polling_interval)
     VALUES ($1, 'd', 'plain', $2, $3, $4, now(), now() + interval '10 minutes', 5)`,
    [randomUUID(), randomUUID(), randomUUID(), client.client_id],
  );
  expect(await reported()).toEqual(await scanned());
});

test('right after a restart the figures are there, read from the counts without a scan of the tables', async () => {
  const before = await scanned();
  await km.stop({ keepSchema: true });
  // A row the counts never saw (its trigger off) shows that start-up reads the counts and does not scan the table.
  await sql(`ALTER TABLE oauth_tokens DISABLE TRIGGER oauth_tokens_count_inserts`);
  await sql(
    `INSERT INTO oauth_tokens (id, client_id, token_type, grant_type, access_token, access_token_scheme, access_token_hash, issued_at, expires_at, family_id)
     SELECT gen_random_uuid(), client_id, 'Default', 'client_credentials', 'a', 'plain', md5(random()::text), now(), now() + interval '1 hour', gen_random_uuid()
       FROM oauth_clients LIMIT 1`,
  );
  await sql(`ALTER TABLE oauth_tokens ENABLE TRIGGER oauth_tokens_count_inserts`);
  km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: 'in-process', encryption: 'rsa-oaep', schema: km.schema });
  expect(await reported()).toEqual(before);
  expect(await scanned()).not.toEqual(before);
  const metrics = await (await fetch(`${km.managementUrl}/metrics`)).text();
  expect(metrics).toMatch(/token_encryption_stored_values\{table="oauth_tokens",column="access_token"/);
});
