import { jest } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { TokenCleanupService } from '../src/tokens/token-cleanup.service.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { queryTestDatabase, TEST_DATABASE_URL } from '../../../test/support/test-database.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';
import { register } from './km-test.helpers.js';

jest.setTimeout(60_000);

const HOUR = 3600;
let tmp: TestConfigDir;
let km: KeyManagerUnderTest;
let clientId: string;

const sql = (text: string, params: unknown[] = []) => queryTestDatabase(text, params, km.schema);

/** Inserts a token row with times relative to now (seconds; negative = in the past). */
async function token(label: string, t: { expires: number; refreshExpires?: number; revoked?: number; state?: 'ACTIVE' | 'INACTIVE' | 'REVOKED' }): Promise<string> {
  const id = randomUUID();
  await sql(
    `INSERT INTO oauth_tokens (id, client_id, scopes, token_type, grant_type, access_token, access_token_scheme, access_token_hash,
       refresh_token, refresh_token_scheme, refresh_token_hash, issued_at, expires_at, refresh_expires_at, revoked_at, state, family_id)
     VALUES ($1, $2, $3, 'Default', 'password', 'x', 'plain', $4, $5, $6, $7, now() - interval '30 days',
       now() + make_interval(secs => $8), now() + make_interval(secs => $9), now() + make_interval(secs => $10), $11, $1)`,
    [
      id,
      clientId,
      label,
      randomBytes(32).toString('hex'),
      t.refreshExpires === undefined ? null : 'r',
      t.refreshExpires === undefined ? null : 'plain',
      t.refreshExpires === undefined ? null : randomBytes(32).toString('hex'),
      t.expires,
      t.refreshExpires ?? null,
      t.revoked ?? null,
      t.state ?? (t.revoked === undefined ? 'ACTIVE' : 'REVOKED'),
    ],
  );
  return label;
}

async function code(label: string, c: { expires: number; used?: number }): Promise<string> {
  await sql(
    `INSERT INTO authorization_codes (id, code, code_scheme, code_hash, client_id, username, redirect_uri, redirect_uri_in_request, scopes,
       issued_at, expires_at, used_at)
     VALUES ($1, 'c', 'plain', $2, $3, 'u', 'https://a.example/cb', true, $4, now() - interval '30 days', now() + make_interval(secs => $5),
       now() + make_interval(secs => $6))`,
    [randomUUID(), randomBytes(32).toString('hex'), clientId, label, c.expires, c.used ?? null],
  );
  return label;
}

async function device(label: string, d: { expires: number }): Promise<string> {
  await sql(
    `INSERT INTO device_authorizations (id, device_code, device_code_scheme, device_code_hash, user_code_hash, client_id, scopes, issued_at,
       expires_at, polling_interval)
     VALUES ($1, 'd', 'plain', $2, $3, $4, $5, now() - interval '30 days', now() + make_interval(secs => $6), 5)`,
    [randomUUID(), randomBytes(32).toString('hex'), randomBytes(32).toString('hex'), clientId, label, d.expires],
  );
  return label;
}

async function assertion(jti: string, a: { expires: number }): Promise<string> {
  await sql(`INSERT INTO used_assertions (issuer, jti, expires_at) VALUES ('https://idp.example', $1, now() + make_interval(secs => $2))`, [jti, a.expires]);
  return jti;
}

beforeAll(async () => {
  tmp = await makeTempDir();
  const keystore = await createTestKeystore(tmp.dir);
  km = await startKeyManagerForTest({
    dir: tmp.dir,
    keystore,
    nats: 'in-process',
    // The timer is off: the test runs the job itself.
    toml: { 'oauth.token_cleanup': { enable: false, retention: HOUR, batch_size: 2 } },
  });
  clientId = (await register(km, { grant_types: ['client_credentials'] })).client_id;
});

afterAll(async () => {
  await km?.stop();
  await tmp?.remove();
});

test('removes expired and revoked tokens, used or expired codes and expired device codes older than the retention, and expired assertions, in batches, and nothing else', async () => {
  const kept = [
    await token('active', { expires: HOUR }),
    await token('expired within retention', { expires: -HOUR / 2 }),
    await token('access expired, refresh valid', { expires: -2 * HOUR, refreshExpires: HOUR }),
    await token('revoked within retention', { expires: HOUR, revoked: -60 }),
    // A rotated row is what recognises reuse of its refresh token: it stays while that token could be presented.
    await token('rotated, refresh still valid', { expires: -2 * HOUR, refreshExpires: HOUR, state: 'INACTIVE' }),
  ];
  const removed = [
    await token('expired long ago', { expires: -2 * HOUR }),
    await token('both expired long ago', { expires: -3 * HOUR, refreshExpires: -2 * HOUR }),
    await token('revoked long ago', { expires: HOUR, revoked: -2 * HOUR }),
    await token('rotated, all expired', { expires: -3 * HOUR, refreshExpires: -2 * HOUR, state: 'INACTIVE' }),
    await token('another expired', { expires: -5 * HOUR }),
  ];
  const keptCodes = [await code('fresh', { expires: 60 }), await code('used recently', { expires: 60, used: -60 })];
  const removedCodes = [await code('used long ago', { expires: -HOUR, used: -2 * HOUR }), await code('expired long ago', { expires: -2 * HOUR })];
  const keptDevices = [await device('device pending', { expires: 60 }), await device('device expired recently', { expires: -60 })];
  const removedDevices = [await device('device expired long ago', { expires: -2 * HOUR }), await device('device expired longer ago', { expires: -3 * HOUR })];
  // Assertions go as soon as they expire: past exp they are refused anyway.
  const keptAssertions = [await assertion('live', { expires: 60 })];
  const removedAssertions = [await assertion('expired', { expires: -60 }), await assertion('long expired', { expires: -2 * HOUR }), await assertion('older', { expires: -3 * HOUR })];

  const report = await km.app.get(TokenCleanupService).runOnce();
  expect(report).toEqual({ tokens: removed.length, codes: removedCodes.length, deviceCodes: removedDevices.length, assertions: removedAssertions.length, authFailures: 0 });

  const tokens = (await sql('SELECT scopes FROM oauth_tokens')).map((r) => r.scopes);
  expect(tokens.sort()).toEqual([...kept].sort());
  const codes = (await sql('SELECT scopes FROM authorization_codes')).map((r) => r.scopes);
  expect(codes.sort()).toEqual([...keptCodes].sort());
  expect((await sql('SELECT scopes FROM device_authorizations')).map((r) => r.scopes).sort()).toEqual([...keptDevices].sort());
  expect((await sql('SELECT jti FROM used_assertions')).map((r) => r.jti)).toEqual(keptAssertions);
  expect(await km.app.get(TokenCleanupService).runOnce()).toEqual({ tokens: 0, codes: 0, deviceCodes: 0, assertions: 0, authFailures: 0 });
});

test('skips the round while another instance holds the lock', async () => {
  await token('expired for the lock test', { expires: -2 * HOUR });
  const other = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await other.connect();
  try {
    await other.query('SELECT pg_advisory_lock(hashtext($1))', [`token-cleanup:${km.schema}`]);
    expect(await km.app.get(TokenCleanupService).runOnce()).toBeUndefined();
    expect(await sql(`SELECT 1 FROM oauth_tokens WHERE scopes = 'expired for the lock test'`)).toHaveLength(1);
  } finally {
    await other.end();
  }
  expect(await km.app.get(TokenCleanupService).runOnce()).toEqual({ tokens: 1, codes: 0, deviceCodes: 0, assertions: 0, authFailures: 0 });
});
