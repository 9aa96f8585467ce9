/**
 * `cli wso2 import` of WSO2's several consumer secrets per app (IDN_OAUTH_CONSUMER_SECRETS), in both of WSO2's
 * layouts: identity-inbound-auth-oauth's (SECRET_ID, CONSUMER_KEY_ID, SECRET_VALUE, CREATED_TIME, EXPIRY_TIME;
 * fixtures/wso2-current-layout.sql) filled as its OAuthAppDAO fills it — the latest secret also in
 * CONSUMER_SECRET, values sealed like every secret, times in milliseconds — and API Manager's (ID, SECRET_ID,
 * DESCRIPTION, CONSUMER_KEY, SECRET_VALUE, SECRET_HASH, EXPIRY_TIME; fixtures/wso2-apim-consumer-secrets.sql)
 * from a deployment that hashed its secrets. Then every imported secret authenticates its client at a running
 * Key Manager, or not when it had expired.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { HASHED_SCHEME, Keyring, loadKeystore, SecretCipher, Transformations } from '@app/crypto';
import { runCliForTest, type CliRun } from '../../../test/support/cli-runner.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { dropSchema, queryTestDatabase, uniqueSchema } from '../../../test/support/test-database.js';
import { REPO_ROOT, WSO2_VECTOR_KEYSTORE } from '../../../test/support/test-keystore.js';
import { createWso2Schema, HOUR, MINUTE, sha256, WSO2_CURRENT_LAYOUT, wso2HashOf } from './wso2-source.fixture.js';

jest.setTimeout(180_000);

const APIM_LAYOUT = readFileSync(resolve(REPO_ROOT, 'apps/cli/test/fixtures/wso2-apim-consumer-secrets.sql'), 'utf8');
const NOW_MS = Date.now();
const isSource = uniqueSchema('wso2_secrets_is');
const apimSource = uniqueSchema('wso2_secrets_apim');
const SOURCE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The plaintexts WSO2 issued (it stores them sealed, or as hashes). */
const P = {
  latest: 'multi-latest-secret-0001',
  old: 'multi-old-secret-0002',
  expired: 'multi-expired-secret-0003',
  future: 'multi-future-secret-0004',
  expiring: 'latest-with-expiry-0005',
  broken: 'broken-row-app-own-0006',
  single: 'single-secret-0007',
  apimLatest: 'apim-latest-secret-0008',
  apimOther: 'apim-other-secret-0009',
  apimSeconds: 'apim-seconds-expiry-0010',
};
const ID = { old: randomUUID(), expired: randomUUID(), latest: randomUUID(), future: randomUUID(), expiring: randomUUID() };

let dir: TestConfigDir;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let thumbprintScheme: string;
const outputs: CliRun[] = [];

async function cli(argv: string[]): Promise<CliRun> {
  const run = await runCliForTest(argv, { DEPLOYMENT_CONFIG: km.config.file });
  outputs.push(run);
  return run;
}

const importArgs = (schema: string, encrypted: boolean) => ['wso2', 'import', '--source-url', SOURCE_URL, '--source-schema', schema, '--source-encrypted', String(encrypted), '--batch-size', '2'];

/** client_credentials with HTTP Basic at the running Key Manager: whether the secret authenticates the client. */
async function authenticates(clientId: string, secret: string): Promise<boolean> {
  const response = await fetch(`${km.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return response.status === 200;
}

const secretRows = (clientId: string) =>
  queryTestDatabase<{ id: string; secret: string; secret_scheme: string; secret_hash: string; description: string | null; expires_at: Date | null; created_at: Date }>(
    `SELECT id, secret, secret_scheme, secret_hash, description, expires_at, created_at FROM "${km.schema}".oauth_client_secrets WHERE client_id = $1 ORDER BY created_at`,
    [clientId],
  );
const clientRow = async (clientId: string) =>
  (await queryTestDatabase<Record<string, unknown>>(`SELECT * FROM "${km.schema}".oauth_clients WHERE client_id = $1`, [clientId]))[0];

beforeAll(async () => {
  dir = await makeTempDir('wso2-secrets-import-');
  nats = await startPrivateNats();
  const wso2Key = await loadKeystore(WSO2_VECTOR_KEYSTORE);
  // Sealed the way WSO2 seals (RSA-OAEP, self-contained), with its key: a fresh ciphertext for every value.
  const wso2 = new SecretCipher(Keyring.create({ rsa: [wso2Key], symmetric: [] }), { enabled: true, transformation: Transformations.RsaOaepSha1 });
  const seal = (plaintext: string) => wso2.seal(plaintext).stored;
  thumbprintScheme = wso2.seal('x').scheme;

  // identity-inbound-auth-oauth's layout: OAuthAppDAO keeps the latest secret in CONSUMER_SECRET and in the table.
  await createWso2Schema(
    isSource,
    [
      { id: 1, key: 'ck_multi', secret: seal(P.latest), grants: 'client_credentials', tokenType: 'Default' },
      { id: 2, key: 'ck_latest_expiring', secret: seal(P.expiring), grants: 'client_credentials', tokenType: 'Default' },
      { id: 3, key: 'ck_broken_row', secret: seal(P.broken), grants: 'client_credentials', tokenType: 'Default' },
      { id: 4, key: 'ck_single', secret: seal(P.single), grants: 'client_credentials', tokenType: 'Default' },
    ],
    [],
    { now: NOW_MS, then: WSO2_CURRENT_LAYOUT },
  );
  const add = (secretId: string, app: number, value: string, created: number | null, expiry: number | null) =>
    queryTestDatabase('INSERT INTO IDN_OAUTH_CONSUMER_SECRETS (SECRET_ID, CONSUMER_KEY_ID, SECRET_VALUE, CREATED_TIME, EXPIRY_TIME) VALUES ($1, $2, $3, $4, $5)', [secretId, app, value, created, expiry], isSource);
  await add(ID.old, 1, seal(P.old), null, null); // the secret migrated from CONSUMER_SECRET: no creation time (OAuthAppDAO)
  await add(ID.expired, 1, seal(P.expired), NOW_MS - 3 * HOUR, NOW_MS - HOUR);
  await add(ID.future, 1, seal(P.future), NOW_MS - 2 * HOUR, NOW_MS + HOUR);
  await add(ID.latest, 1, seal(P.latest), NOW_MS - MINUTE, null);
  await add(ID.expiring, 2, seal(P.expiring), NOW_MS - MINUTE, NOW_MS + 2 * HOUR);
  await add(randomUUID(), 3, Buffer.from(JSON.stringify({ c: 'AAAA', t: 'RSA/ECB/OAEPwithSHA1andMGF1Padding', tp: 'x' })).toString('base64'), NOW_MS, null);

  // API Manager's layout, from a deployment that hashed its secrets (WSO2's hash JSON in SECRET_VALUE and SECRET_HASH).
  await createWso2Schema(apimSource, [{ id: 1, key: 'ck_apim', secret: wso2HashOf(P.apimLatest), grants: 'client_credentials', tokenType: 'Default' }], [], { now: NOW_MS, then: APIM_LAYOUT });
  const addApim = (secretId: string, value: string, description: string | null, expiry: number | null) =>
    queryTestDatabase(
      'INSERT INTO IDN_OAUTH_CONSUMER_SECRETS (SECRET_ID, DESCRIPTION, CONSUMER_KEY, SECRET_VALUE, SECRET_HASH, EXPIRY_TIME) VALUES ($1, $2, $3, $4, $5, $6)',
      [secretId, description, 'ck_apim', wso2HashOf(value), wso2HashOf(value), expiry],
      apimSource,
    );
  await addApim('sec_123456', P.apimOther, 'ci pipeline', null);
  await addApim('sec_123457', P.apimSeconds, null, Math.floor(NOW_MS / 1000) + 3600); // seconds, not milliseconds
  await addApim('sec_123458', P.apimLatest, 'pizza application secret', null);

  km = await startKeyManagerForTest({
    dir: dir.dir,
    keystore: WSO2_VECTOR_KEYSTORE,
    encryption: 'rsa-oaep',
    nats: nats.url,
    toml: { 'oauth.multiple_client_secrets': { secret_count: 3 }, 'devportal.database': { schema: uniqueSchema('dp_none') } },
  });
});

afterAll(async () => {
  await km?.stop();
  await nats?.stop();
  await dropSchema(isSource).catch(() => undefined);
  await dropSchema(apimSource).catch(() => undefined);
  await dir?.remove();
});

describe('cli wso2 import: IDN_OAUTH_CONSUMER_SECRETS', () => {
  test("identity-inbound-auth-oauth's layout: every secret of an app is imported as WSO2 stored it, and the ones that had not expired authenticate", async () => {
    const run = await cli(importArgs(isSource, true));
    expect(run.stderr).toContain('note: IDN_OAUTH_CONSUMER_SECRETS found (by CONSUMER_KEY_ID)');
    expect(run.code).toBe(1); // ck_broken_row
    expect(run.stdout).toMatch(/^clients\s+4\s+3\s+0\s+0\s+1$/m);
    expect(run.stderr).toMatch(/failed: client ck_broken_row secret [0-9a-f-]{36}: WSO2_/);
    expect(run.stderr).toContain('warning: client ck_multi: 4 consumer secrets, more than [oauth.multiple_client_secrets] secret_count (3)');

    // ck_multi: its own secret (the latest, in CONSUMER_SECRET and the table) keeps its SECRET_ID; the others are added beside it.
    expect(await clientRow('ck_multi')).toMatchObject({ client_secret_id: ID.latest, client_secret_scheme: thumbprintScheme, client_secret_hash: sha256(P.latest) });
    const rows = await secretRows('ck_multi');
    expect(rows.map((r) => r.id).sort()).toEqual([ID.old, ID.expired, ID.future].sort());
    for (const r of rows) {
      expect(r.secret_scheme).toBe(thumbprintScheme);
      expect(Object.values(P)).not.toContain(r.secret);
    }
    expect(rows.find((r) => r.id === ID.expired)!.expires_at!.getTime()).toBe(NOW_MS - HOUR);
    expect(rows.find((r) => r.id === ID.future)!.expires_at!.getTime()).toBe(NOW_MS + HOUR);
    expect(rows.find((r) => r.id === ID.old)!.expires_at).toBeNull();
    expect(await authenticates('ck_multi', P.latest)).toBe(true);
    expect(await authenticates('ck_multi', P.old)).toBe(true);
    expect(await authenticates('ck_multi', P.future)).toBe(true);
    expect(await authenticates('ck_multi', P.expired)).toBe(false);

    // WSO2 gave the latest secret an expiry: it keeps it, as a secret beside an empty own one.
    expect(await clientRow('ck_latest_expiring')).toMatchObject({ client_secret: null, client_secret_hash: null, public_client: false });
    expect((await secretRows('ck_latest_expiring')).map((r) => [r.id, r.expires_at?.getTime()])).toEqual([[ID.expiring, NOW_MS + 2 * HOUR]]);
    expect(await authenticates('ck_latest_expiring', P.expiring)).toBe(true);

    // A row that cannot be read fails its whole app: nothing of it is here.
    expect(await clientRow('ck_broken_row')).toBeUndefined();
    expect(await authenticates('ck_broken_row', P.broken)).toBe(false);
    // An app without rows is imported as before.
    expect(await authenticates('ck_single', P.single)).toBe(true);
    expect(await secretRows('ck_single')).toEqual([]);

    expect(run.stdout).toMatch(new RegExp(`oauth_client_secrets\\.secret\\s+${thumbprintScheme.replace(/[/]/g, '\\/')}\\s+4`));
  });

  test('is idempotent: a second run imports nothing twice', async () => {
    const before = await queryTestDatabase(`SELECT * FROM "${km.schema}".oauth_client_secrets ORDER BY id`);
    const again = await cli(importArgs(isSource, true));
    expect(again.stdout).toMatch(/^clients\s+4\s+0\s+3\s+0\s+1$/m);
    expect(await queryTestDatabase(`SELECT * FROM "${km.schema}".oauth_client_secrets ORDER BY id`)).toEqual(before);
  });

  test("API Manager's layout from a hashing deployment: kept as hashes only, SECRET_ID and DESCRIPTION carried over, seconds read as seconds", async () => {
    const run = await cli(importArgs(apimSource, false));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('note: IDN_OAUTH_CONSUMER_SECRETS found (by CONSUMER_KEY)');
    expect(run.stderr).toContain('warning: client ck_apim: SECRET_ID sec_123456 is not a UUID: the secret has a new secretId here');
    const rows = await secretRows('ck_apim');
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.secret_scheme === HASHED_SCHEME)).toBe(true);
    expect(rows.find((r) => r.secret_hash === sha256(P.apimOther))!.description).toBe('ci pipeline');
    const seconds = rows.find((r) => r.secret_hash === sha256(P.apimSeconds))!;
    expect(Math.abs(seconds.expires_at!.getTime() - (NOW_MS + HOUR))).toBeLessThan(1000);
    expect(await clientRow('ck_apim')).toMatchObject({ client_secret_scheme: HASHED_SCHEME, client_secret_hash: sha256(P.apimLatest) });
    for (const secret of [P.apimLatest, P.apimOther, P.apimSeconds]) expect(await authenticates('ck_apim', secret)).toBe(true);
    // WSO2's stored hashes are never credentials themselves.
    expect(await authenticates('ck_apim', wso2HashOf(P.apimOther))).toBe(false);
  });

  test('tokens status counts the imported secrets under their schemes', async () => {
    const status = await cli(['tokens', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/oauth_client_secrets\s+secret\s+/);
  });

  test('prints no secret', () => {
    const printed = outputs.map((o) => o.stdout + o.stderr).join('\n');
    for (const secret of Object.values(P)) expect(printed).not.toContain(secret);
  });
});
