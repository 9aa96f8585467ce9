/**
 * `cli wso2 import` end to end: WSO2 identity databases (WSO2's own DDL, filled with the shared vectors
 * exactly as WSO2 stores them: encrypted, plaintext, and hashed with `hash_tokens_and_secrets`) are imported
 * into a running Key Manager; then the imported clients authenticate with their WSO2 consumer secrets and the
 * imported tokens introspect, through a standards client (oauth4webapi) — before and after `tokens migrate`
 * rewrites them under the current settings. WSO2's stored hashes never become credentials.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import pg from 'pg';
import {
  formatUuid,
  HASHED_SCHEME,
  Keyring,
  loadKeystore,
  parseSymmetricKey,
  SecretCipher,
  SELECTOR_SECRET_BYTES,
  selectorOfJti,
  selectorOfSecret,
  stampUuidV7,
  TokenProcessor,
  Transformations,
} from '@app/crypto';
import { KeyManagerTargetRepository } from '../src/wso2/key-manager-target.repository.js';
import type { ImportedToken } from '../src/wso2/wso2-import.types.js';
import { runCliForTest, type CliRun } from '../../../test/support/cli-runner.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../../../test/support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { dropSchema, queryTestDatabase, TEST_DATABASE_URL, uniqueSchema } from '../../../test/support/test-database.js';
import { REPO_ROOT, WSO2_VECTOR_KEYSTORE } from '../../../test/support/test-keystore.js';
import { createWso2Schema as createWso2SourceSchema, HOUR, MINUTE, sha256, WSO2_CURRENT_LAYOUT, wso2HashOf, type Wso2App, type Wso2Token } from './wso2-source.fixture.js';

jest.setTimeout(180_000);

interface Vector {
  id: string;
  transformation: string;
  plaintext: string;
  stored: string;
  symmetricKey?: string;
}
const VECTORS = JSON.parse(readFileSync(resolve(REPO_ROOT, '../shared/vectors/wso2/vectors.json'), 'utf8')) as { certificateThumbprintSha1: string; vectors: Vector[] };
const v = (id: string): Vector => VECTORS.vectors.find((x) => x.id === id)!;
const THUMBPRINT = VECTORS.certificateThumbprintSha1;
const AES_A = v('v4').symmetricKey!; // 32 characters: AES-256 from its UTF-8 bytes
const AES_B = v('v6').symmetricKey!; // 64 hex digits
const CURRENT = `RSA/ECB/OAEPwithSHA1andMGF1Padding:${THUMBPRINT}`;

const NOW_MS = Date.now();

/** A token of this Key Manager's selector format (a UUIDv7 of `ms`, then 32 random bytes), as `newSelectorSecret` makes them. */
function selectorFormatToken(ms: number): string {
  const bytes = randomBytes(SELECTOR_SECRET_BYTES);
  stampUuidV7(bytes, ms);
  return bytes.toString('base64url');
}
/** A UUIDv7 of `ms`, as this Key Manager's jtis. */
function uuidV7(ms: number): string {
  const bytes = randomBytes(16);
  stampUuidV7(bytes, ms);
  return formatUuid(bytes);
}
/** Tokens of a WSO2 deployment that issued them in this Key Manager's formats: found by their selectors once imported. */
const SELECTOR_TOKENS = { access: selectorFormatToken(NOW_MS - MINUTE), refresh: selectorFormatToken(NOW_MS - MINUTE), jti: uuidV7(NOW_MS - MINUTE) };

/** A vector with its RSA ciphertext replaced: well-formed, names the configured key, does not decrypt. */
function tampered(vector: Vector): string {
  const envelope = JSON.parse(Buffer.from(vector.stored, 'base64').toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...envelope, c: Buffer.alloc(256, 0x5a).toString('base64') })).toString('base64');
}

const createWso2Schema = (schema: string, apps: Wso2App[], tokens: Wso2Token[], then?: string) =>
  createWso2SourceSchema(schema, apps, tokens, { now: NOW_MS, ...(then ? { then } : {}) });

let dir: TestConfigDir;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let api: KeyManagerOAuth;
let resourceServer: { clientId: string; clientSecret: string };
let env: NodeJS.ProcessEnv;
const encryptedSource = uniqueSchema('wso2_enc');
const plainSource = uniqueSchema('wso2_plain');
const hashedSource = uniqueSchema('wso2_hashed');
const currentSource = uniqueSchema('wso2_current');
const selectorSource = uniqueSchema('wso2_sel');
/** The secrets behind the hashes of the hashed source: WSO2 never stored them, their holders present them. */
const HASHED = { secret: 'hashed-consumer-secret-0001', access: 'hashed-access-token-0001', refresh: 'hashed-refresh-token-0001', appToken: 'hashed-app-token-0001' };
const HASHED_BEFORE_6033 = 'a-token-hashed-before-6-0-33';
// The portal's schema is never created: `tokens migrate` then has only the Key Manager's to do.
const unusedPortalSchema = uniqueSchema('dp_none');
// Trust auth ignores the password, so it can stand in for a real one that must never be printed.
const SOURCE_PASSWORD = 'wso2-db-password-not-for-output';
const SOURCE_URL = `postgres://postgres:${SOURCE_PASSWORD}@127.0.0.1:5432/test`;
const outputs: CliRun[] = [];
/** Secrets of the fixture: none may ever appear in the CLI's output. */
const secrets: string[] = [];

// The WSO2 secrets, by plaintext. Vectors share plaintexts, so each plaintext is used once per table.
const SECRET = {
  oaepSha1: v('v32'), // consumer secret, RSA-OAEP SHA-1
  legacyRaw: v('v3'), // consumer secret, legacy raw RSA (no metadata)
  aesWithKeyId: v('v13'), // consumer secret, AES-GCM key A with keyId
  oaepSha256: v('v46'), // consumer secret (non-ASCII), RSA-OAEP SHA-256
  pkcs1: v('v26'), // consumer secret, PKCS#1 v1.5
};
const TOKEN = {
  pkcs1: v('v2'), // T1 access
  oaepSha256: v('v17'), // T2 access
  aesOldKeyWithKeyId: v('v31'), // T2 refresh (AES key B = old_key)
  aesOldKeyNoKeyId: v('v14'), // T3 access
  aesNoKeyId: v('v36'), // T3 refresh
  legacyRaw: v('v48'), // T4 access: a JWT client's jti
};

let ownSealed: { jwtRefresh: string; expired: string; revoked: string; orphan: string; revokedApp: string; unknownKey: string };
const JWT_REFRESH_PLAIN = 'wso2-jwt-client-refresh-token-0001';

async function cli(argv: string[]): Promise<CliRun> {
  const run = await runCliForTest(argv, env);
  outputs.push(run);
  return run;
}

const importArgs = (schema: string, encrypted: boolean, ...more: string[]) => [
  'wso2',
  'import',
  '--source-url',
  SOURCE_URL,
  '--source-schema',
  schema,
  '--source-encrypted',
  String(encrypted),
  '--batch-size',
  '3',
  ...more,
];

/** Every row the import may have written, in a stable order, for before/after comparisons. */
async function targetRows(): Promise<unknown[]> {
  const clients = await queryTestDatabase(`SELECT * FROM "${km.schema}".oauth_clients WHERE client_id LIKE 'ck_%' ORDER BY client_id`);
  const tokens = await queryTestDatabase(`SELECT * FROM "${km.schema}".oauth_tokens ORDER BY access_token_hash`);
  return [...clients, ...tokens];
}

async function tokenRow(plaintext: string) {
  const [row] = await queryTestDatabase<Record<string, unknown>>(`SELECT * FROM "${km.schema}".oauth_tokens WHERE access_token_hash = $1`, [sha256(plaintext)]);
  return row;
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function refresh(clientId: string, clientSecret: string, refreshToken: string): Promise<oauth.TokenEndpointResponse> {
  const client = { client_id: clientId };
  const response = await oauth.refreshTokenGrantRequest(api.as, client, oauth.ClientSecretBasic(clientSecret), refreshToken, insecure);
  return oauth.processRefreshTokenResponse(api.as, client, response);
}

async function authenticates(clientId: string, clientSecret: string): Promise<boolean> {
  try {
    return (await api.clientCredentials(clientId, clientSecret)).access_token.length > 0;
  } catch (e) {
    // A 401 carries a WWW-Authenticate challenge, which oauth4webapi reports as its own error; the code is in the body.
    if (e instanceof oauth.WWWAuthenticateChallengeError) return ((await e.response.json()) as { error?: string }).error === 'invalid_client' ? false : Promise.reject(e);
    if (e instanceof oauth.ResponseBodyError && e.error === 'invalid_client') return false;
    throw e;
  }
}

beforeAll(async () => {
  dir = await makeTempDir('wso2-import-');
  nats = await startPrivateNats();
  const vectorKey = await loadKeystore(WSO2_VECTOR_KEYSTORE);
  // Values for rows whose format is not the point: sealed the way WSO2 seals (OAEP, self-contained), with its key.
  const wso2Cipher = new SecretCipher(Keyring.create({ rsa: [vectorKey], symmetric: [] }), { enabled: true, transformation: Transformations.RsaOaepSha1 });
  const strangerKey = parseSymmetricKey('k'.repeat(32));
  const stranger = new SecretCipher(Keyring.create({ rsa: [], symmetric: [strangerKey] }), { enabled: true, transformation: Transformations.AesGcm });
  ownSealed = {
    jwtRefresh: wso2Cipher.seal(JWT_REFRESH_PLAIN).stored,
    expired: wso2Cipher.seal('wso2-expired-access-token-0002').stored,
    revoked: wso2Cipher.seal('wso2-revoked-access-token-0003').stored,
    orphan: wso2Cipher.seal('wso2-orphan-access-token-0004').stored,
    revokedApp: wso2Cipher.seal('wso2-revoked-app-token-0005').stored,
    unknownKey: stranger.seal('wso2-token-under-another-key-0006').stored,
  };

  await createWso2Schema(
    encryptedSource,
    [
      { id: 1, key: 'ck_oaep_sha1', secret: SECRET.oaepSha1.stored, grants: 'client_credentials refresh_token', tokenType: 'Default', owner: ['alice', 'PRIMARY'] },
      { id: 2, key: 'ck_legacy_raw', secret: SECRET.legacyRaw.stored, grants: 'client_credentials password refresh_token', tokenType: 'Default', owner: ['bob', 'LDAP'] },
      {
        id: 3,
        key: 'ck_aes_kid',
        secret: SECRET.aesWithKeyId.stored,
        grants: 'client_credentials password refresh_token authorization_code implicit',
        tokenType: 'Default',
        callback: 'regexp=(https://a.example/cb|https://b.example/cb)',
        pkce: ['1', '1'],
      },
      { id: 4, key: 'ck_jwt', secret: SECRET.oaepSha256.stored, grants: 'client_credentials password refresh_token', tokenType: 'JWT' },
      { id: 5, key: 'ck_revoked_app', secret: v('v25').stored, grants: 'client_credentials', tokenType: 'Default', state: 'REVOKED' },
      { id: 6, key: 'ck_broken_secret', secret: tampered(v('v33')), grants: 'client_credentials', tokenType: 'Default' },
      { id: 7, key: 'ck_no_token_type', secret: SECRET.pkcs1.stored, grants: 'client_credentials' },
    ],
    [
      // Usable tokens, every stored format among them.
      // ACCESS_TOKEN_HASH as bare hex, as WSO2 wrote it before identity-inbound-auth-oauth 6.0.33; the others in its JSON form.
      { id: 't1', app: 1, access: TOKEN.pkcs1.stored, accessPlain: TOKEN.pkcs1.plaintext, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: 10 * MINUTE, validityMs: HOUR, withHash: 'hex' },
      {
        id: 't2',
        app: 2,
        access: TOKEN.oaepSha256.stored,
        accessPlain: TOKEN.oaepSha256.plaintext,
        refresh: TOKEN.aesOldKeyWithKeyId.stored,
        refreshPlain: TOKEN.aesOldKeyWithKeyId.plaintext,
        user: 'bob',
        grant: 'password',
        // WSO2's EXPIRED: the access token expired, the refresh token has hours left.
        state: 'EXPIRED',
        createdAgoMs: 2 * HOUR,
        validityMs: HOUR,
        scopes: ['write', 'read'],
        withHash: true,
      },
      {
        id: 't3',
        app: 3,
        access: TOKEN.aesOldKeyNoKeyId.stored,
        accessPlain: TOKEN.aesOldKeyNoKeyId.plaintext,
        refresh: TOKEN.aesNoKeyId.stored,
        refreshPlain: TOKEN.aesNoKeyId.plaintext,
        user: 'carol',
        grant: 'password',
        createdAgoMs: 5 * MINUTE,
        validityMs: HOUR,
        scopes: ['openid'],
        withHash: false,
      },
      {
        id: 't4',
        app: 4,
        access: TOKEN.legacyRaw.stored,
        accessPlain: TOKEN.legacyRaw.plaintext,
        refresh: ownSealed.jwtRefresh,
        refreshPlain: JWT_REFRESH_PLAIN,
        user: 'dave',
        grant: 'password',
        createdAgoMs: MINUTE,
        validityMs: HOUR,
        withHash: true,
      },
      // Not usable any more: skipped.
      { id: 't5', app: 1, access: ownSealed.expired, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: 48 * HOUR, validityMs: HOUR, state: 'EXPIRED' },
      { id: 't6', app: 1, access: ownSealed.revoked, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR, state: 'REVOKED' },
      // Their client is not imported: skipped.
      { id: 't8', app: 6, access: ownSealed.orphan, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
      { id: 't9', app: 5, access: ownSealed.revokedApp, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
      // Do not decrypt: reported, not imported.
      { id: 't7', app: 3, access: tampered(v('v8')), userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
      { id: 't10', app: 1, access: ownSealed.unknownKey, user: 'erin', grant: 'password', createdAgoMs: MINUTE, validityMs: HOUR },
    ],
  );
  await createWso2Schema(
    plainSource,
    [
      { id: 1, key: 'ck_plain', secret: 'plain-consumer-secret-0001', grants: 'client_credentials refresh_token', tokenType: 'Default' },
      { id: 2, key: 'ck_plain_but_encrypted', secret: v('v37').stored, grants: 'client_credentials', tokenType: 'Default' },
    ],
    [
      {
        id: 'p1',
        app: 1,
        access: 'plain-access-token-0001',
        accessPlain: 'plain-access-token-0001',
        refresh: 'plain-refresh-token-0001',
        refreshPlain: 'plain-refresh-token-0001',
        userType: 'APPLICATION',
        grant: 'client_credentials',
        createdAgoMs: MINUTE,
        validityMs: HOUR,
        withHash: true,
      },
      // Hashed by WSO2 before identity-inbound-auth-oauth 6.0.33 (bare hex, in both columns): the token's hash, not the token.
      { id: 'p2', app: 1, access: sha256(HASHED_BEFORE_6033), user: 'frank', grant: 'password', createdAgoMs: MINUTE, validityMs: HOUR },
    ],
  );
  await queryTestDatabase(`UPDATE "${plainSource}".idn_oauth2_access_token SET access_token_hash = access_token WHERE token_id = 'p2'`);
  // WSO2 with hash_tokens_and_secrets (API Manager's enable_token_hashing): every secret column holds WSO2's hash object.
  await createWso2Schema(
    hashedSource,
    [
      { id: 1, key: 'ck_hashed', secret: wso2HashOf(HASHED.secret), grants: 'client_credentials password refresh_token', tokenType: 'Default' },
      { id: 2, key: 'ck_hashed_sha512', secret: `{"hash":"${'ab'.repeat(64)}","algorithm":"SHA-512"}`, grants: 'client_credentials', tokenType: 'Default' },
    ],
    [
      {
        id: 'h1',
        app: 1,
        access: wso2HashOf(HASHED.access),
        accessPlain: HASHED.access,
        refresh: wso2HashOf(HASHED.refresh),
        refreshPlain: HASHED.refresh,
        user: 'gina',
        grant: 'password',
        createdAgoMs: MINUTE,
        validityMs: HOUR,
        scopes: ['read'],
        withHash: true,
      },
      { id: 'h2', app: 1, access: wso2HashOf(HASHED.appToken), accessPlain: HASHED.appToken, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR, withHash: true },
    ],
  );

  // WSO2's current layout: consumer keys unique per tenant only, GRACEFULLY_ROTATED rows, tokens of sub-organizations.
  await createWso2Schema(
    currentSource,
    [
      { id: 1, key: 'ck_shared', secret: 'shared-secret-tenant-a', grants: 'client_credentials', tokenType: 'Default', tenantId: -1234 },
      { id: 2, key: 'ck_shared', secret: 'shared-secret-tenant-b', grants: 'client_credentials', tokenType: 'Default', tenantId: 5 },
      { id: 3, key: 'ck_twin', secret: 'twin-secret-active', grants: 'client_credentials password refresh_token', tokenType: 'Default', tenantId: -1234 },
      { id: 4, key: 'ck_twin', secret: 'twin-secret-revoked', grants: 'client_credentials', tokenType: 'Default', tenantId: 5, state: 'REVOKED' },
      { id: 5, key: 'ck_tenant_b', secret: 'tenant-b-secret', grants: 'client_credentials', tokenType: 'JWT', tenantId: 5 },
    ],
    [
      { id: 'c1', app: 1, access: 'shared-app-token-0001', accessPlain: 'shared-app-token-0001', userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR, withHash: true },
      // A refresh with graceful rotation on: the old row GRACEFULLY_ROTATED, its successor ACTIVE.
      {
        id: 'c3',
        app: 3,
        access: 'twin-rotated-access-0001',
        accessPlain: 'twin-rotated-access-0001',
        refresh: 'twin-rotated-refresh-0001',
        refreshPlain: 'twin-rotated-refresh-0001',
        user: 'ivan',
        grant: 'password',
        createdAgoMs: 3 * MINUTE,
        validityMs: HOUR,
        state: 'GRACEFULLY_ROTATED',
        withHash: true,
      },
      {
        id: 'c2',
        app: 3,
        access: 'twin-access-0002',
        accessPlain: 'twin-access-0002',
        refresh: 'twin-refresh-0002',
        refreshPlain: 'twin-refresh-0002',
        user: 'ivan',
        grant: 'refresh_token',
        createdAgoMs: MINUTE,
        validityMs: HOUR,
        withHash: true,
      },
      { id: 'c4', app: 5, access: 'tenant-b-jti-0001', accessPlain: 'tenant-b-jti-0001', userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR, withHash: true, tenantId: 5 },
      { id: 'c5', app: 3, access: 'org-token-0001', accessPlain: 'org-token-0001', user: 'judy', grant: 'password', createdAgoMs: MINUTE, validityMs: HOUR, withHash: true, organization: '10084a8d-113f-4211-a0d5-efe36b082211' },
    ],
    WSO2_CURRENT_LAYOUT,
  );
  await createWso2Schema(
    selectorSource,
    [
      { id: 1, key: 'ck_selector', secret: 'selector-consumer-secret-0001', grants: 'client_credentials password refresh_token', tokenType: 'Default' },
      { id: 2, key: 'ck_selector_jwt', secret: 'selector-jwt-consumer-secret-0001', grants: 'client_credentials', tokenType: 'JWT' },
    ],
    [
      {
        id: 's1',
        app: 1,
        access: SELECTOR_TOKENS.access,
        accessPlain: SELECTOR_TOKENS.access,
        refresh: SELECTOR_TOKENS.refresh,
        refreshPlain: SELECTOR_TOKENS.refresh,
        user: 'kim',
        grant: 'password',
        createdAgoMs: MINUTE,
        validityMs: HOUR,
        scopes: ['read'],
        withHash: true,
      },
      // A JWT client's row: WSO2 stored the jti (a UUIDv7 here), whose selector it is.
      { id: 's2', app: 2, access: SELECTOR_TOKENS.jti, accessPlain: SELECTOR_TOKENS.jti, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR, withHash: true },
    ],
  );

  secrets.push(
    ...Object.values(SECRET).flatMap((x) => [x.plaintext, x.stored]),
    ...Object.values(TOKEN).flatMap((x) => [x.plaintext, x.stored]),
    ...Object.values(ownSealed),
    JWT_REFRESH_PLAIN,
    'plain-consumer-secret-0001',
    'plain-access-token-0001',
    'plain-refresh-token-0001',
    'shared-secret-tenant-a',
    'shared-secret-tenant-b',
    'twin-secret-active',
    'twin-refresh-0002',
    'tenant-b-secret',
    HASHED_BEFORE_6033,
    ...Object.values(HASHED),
    SELECTOR_TOKENS.access,
    SELECTOR_TOKENS.refresh,
    'selector-consumer-secret-0001',
    'selector-jwt-consumer-secret-0001',
    SOURCE_PASSWORD,
    AES_A,
    AES_B,
  );

  km = await startKeyManagerForTest({
    dir: dir.dir,
    keystore: WSO2_VECTOR_KEYSTORE,
    encryption: 'rsa-oaep',
    nats: nats.url,
    // WSO2's keystore is the primary here; its two symmetric keys are configured as key and old_key.
    toml: { encryption: { key: AES_A, old_key: AES_B }, 'devportal.database': { schema: unusedPortalSchema } },
  });
  env = { DEPLOYMENT_CONFIG: km.config.file };
  api = await keyManagerOAuth(km.baseUrl);
  resourceServer = await api.registerClient(km.admin, { client_name: 'wso2-import-rs', grant_types: ['client_credentials'], ext_resource_server: true });
});

afterAll(async () => {
  await km?.stop();
  await nats?.stop();
  await dropSchema(encryptedSource).catch(() => undefined);
  await dropSchema(plainSource).catch(() => undefined);
  await dropSchema(hashedSource).catch(() => undefined);
  await dropSchema(currentSource).catch(() => undefined);
  await dropSchema(selectorSource).catch(() => undefined);
  await dir?.remove();
});

describe('cli wso2 import', () => {
  test('refuses to guess whether WSO2 encrypted: --source-encrypted is required', async () => {
    const run = await cli(['wso2', 'import', '--source-url', SOURCE_URL, '--source-schema', encryptedSource]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--source-encrypted <true|false>' not specified");
  });

  test('says which database it cannot use, and why, without quoting its URL', async () => {
    const unreachable = await cli(['wso2', 'import', '--source-url', `postgres://postgres:${SOURCE_PASSWORD}@127.0.0.1:1/test`, '--source-encrypted', 'true']);
    expect(unreachable).toMatchObject({ code: 1, stdout: '' });
    expect(unreachable.stderr).toContain('error: cannot reach the WSO2 source database (ECONNREFUSED)');
    const notWso2 = await cli(['wso2', 'import', '--source-url', SOURCE_URL, '--source-schema', km.schema, '--source-encrypted', 'true']);
    expect(notWso2.code).toBe(1);
    expect(notWso2.stderr).toContain(`error: schema ${km.schema} of the source database is not a WSO2 identity database this import can read; missing: table IDN_OAUTH_CONSUMER_APPS`);
  });

  test('dry run: reads, decrypts and checks everything, reports what it would do, writes nothing', async () => {
    const run = await cli(importArgs(encryptedSource, true, '--dry-run'));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^clients\s+7\s+5\s+0\s+1\s+1$/m);
    expect(run.stdout).toMatch(/^tokens\s+10\s+4\s+0\s+4\s+2$/m);
    expect(run.stderr).toContain('nothing was written');
    expect(await targetRows()).toEqual([]);
  });

  test('imports clients and tokens as WSO2 stored them, with the scheme of each value and the hash of its plaintext', async () => {
    const run = await cli(importArgs(encryptedSource, true));
    // Some values cannot be imported: exit 1, each named by its row and a code, never by its value.
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^clients\s+7\s+5\s+0\s+1\s+1$/m);
    expect(run.stdout).toMatch(/^tokens\s+10\s+4\s+0\s+4\s+2$/m);
    expect(run.stderr).toContain('failed: client ck_broken_secret consumer secret: WSO2_VALUE_UNDECRYPTABLE');
    expect(run.stderr).toContain('failed: token t7 (client ck_aes_kid) access token: WSO2_VALUE_UNDECRYPTABLE');
    expect(run.stderr).toMatch(/failed: token t10 \(client ck_oaep_sha1\) access token: WSO2_KEY_NOT_CONFIGURED: .*\[\[keystore\.old\]\]/);
    expect(run.stderr).toContain('warning: client ck_revoked_app: not imported: APP_STATE is REVOKED');
    expect(run.stderr).toContain('warning: client ck_aes_kid: grant types not supported here, dropped: implicit');

    const clients = await queryTestDatabase<Record<string, unknown>>(
      `SELECT client_id, client_secret, client_secret_scheme, client_secret_hash, owner, grant_types, redirect_uris, token_type,
              application_token_lifetime, user_token_lifetime, refresh_token_lifetime, public_client, scopes, pkce_mandatory, pkce_support_plain
         FROM "${km.schema}".oauth_clients WHERE client_id LIKE 'ck_%' ORDER BY client_id`,
    );
    expect(clients.map((c) => c.client_id)).toEqual(['ck_aes_kid', 'ck_jwt', 'ck_legacy_raw', 'ck_no_token_type', 'ck_oaep_sha1']);
    const byId = new Map(clients.map((c) => [c.client_id, c]));
    const expectSecret = (clientId: string, vector: Vector, scheme: string) =>
      expect(byId.get(clientId)).toMatchObject({ client_secret: vector.stored, client_secret_scheme: scheme, client_secret_hash: sha256(vector.plaintext) });
    expectSecret('ck_oaep_sha1', SECRET.oaepSha1, CURRENT);
    expectSecret('ck_legacy_raw', SECRET.legacyRaw, `RSA:${THUMBPRINT}`);
    expectSecret('ck_jwt', SECRET.oaepSha256, `RSA/ECB/OAEPWithSHA-256AndMGF1Padding:${THUMBPRINT}`);
    expectSecret('ck_no_token_type', SECRET.pkcs1, `RSA/ECB/PKCS1Padding:${THUMBPRINT}`);
    expect(String(byId.get('ck_aes_kid')!.client_secret_scheme)).toMatch(/^AES\/GCM\/NoPadding:/);
    expect(byId.get('ck_aes_kid')).toMatchObject({
      grant_types: ['client_credentials', 'password', 'refresh_token', 'authorization_code'],
      // WSO2's regexp= form as WSO2 stored it: the Key Manager matches it as WSO2 does.
      redirect_uris: ['regexp=(https://a.example/cb|https://b.example/cb)'],
      token_type: 'Default',
      application_token_lifetime: 3600,
      user_token_lifetime: 1800,
      refresh_token_lifetime: 86400,
      public_client: false,
      // WSO2's PKCE_MANDATORY / PKCE_SUPPORT_PLAIN '1'; '0' elsewhere.
      pkce_mandatory: true,
      pkce_support_plain: true,
    });
    expect(byId.get('ck_oaep_sha1')).toMatchObject({ pkce_mandatory: false, pkce_support_plain: false });
    // A client's registered scopes are those WSO2 granted its imported tokens (`default` needs none).
    expect(byId.get('ck_legacy_raw')).toMatchObject({ owner: 'LDAP/bob', scopes: ['read', 'write'] });
    expect(byId.get('ck_oaep_sha1')).toMatchObject({ scopes: [] });
    expect(byId.get('ck_jwt')).toMatchObject({ token_type: 'JWT' });
    // No tokenType recorded in WSO2: --default-token-type (JWT), and the summary says so.
    expect(byId.get('ck_no_token_type')).toMatchObject({ token_type: 'JWT' });
    expect(run.stdout).toContain('1 client(s) had no token type recorded in WSO2');

    expect(await tokenRow(TOKEN.oaepSha256.plaintext)).toMatchObject({
      client_id: 'ck_legacy_raw',
      username: 'LDAP/bob',
      scopes: 'read write',
      token_type: 'Default',
      grant_type: 'password',
      access_token: TOKEN.oaepSha256.stored,
      access_token_scheme: `RSA/ECB/OAEPWithSHA-256AndMGF1Padding:${THUMBPRINT}`,
      refresh_token: TOKEN.aesOldKeyWithKeyId.stored,
      refresh_token_hash: sha256(TOKEN.aesOldKeyWithKeyId.plaintext),
      state: 'ACTIVE',
    });
    const t2 = (await tokenRow(TOKEN.oaepSha256.plaintext))!;
    expect((t2.expires_at as Date).getTime()).toBe(Math.floor((NOW_MS - HOUR) / 1000) * 1000);
    expect(await tokenRow(TOKEN.pkcs1.plaintext)).toMatchObject({ username: null, access_token_scheme: `RSA/ECB/PKCS1Padding:${THUMBPRINT}`, refresh_token: null });
    // The JWT client's row holds the jti, as WSO2 stored it.
    expect(await tokenRow(TOKEN.legacyRaw.plaintext)).toMatchObject({ client_id: 'ck_jwt', token_type: 'JWT', access_token: TOKEN.legacyRaw.stored, access_token_scheme: `RSA:${THUMBPRINT}` });
    const families = await queryTestDatabase<{ n: number }>(`SELECT count(DISTINCT family_id)::int AS n FROM "${km.schema}".oauth_tokens`);
    expect(families[0]!.n).toBe(4);
  });

  test('imported clients authenticate with their WSO2 consumer secrets, imported tokens introspect as active', async () => {
    for (const [clientId, vector] of [
      ['ck_oaep_sha1', SECRET.oaepSha1],
      ['ck_legacy_raw', SECRET.legacyRaw],
      ['ck_aes_kid', SECRET.aesWithKeyId],
      ['ck_jwt', SECRET.oaepSha256],
      ['ck_no_token_type', SECRET.pkcs1],
    ] as const) {
      expect([clientId, await authenticates(clientId, vector.plaintext)]).toEqual([clientId, true]);
      expect([clientId, await authenticates(clientId, `${vector.plaintext}x`)]).toEqual([clientId, false]);
    }
    expect(await authenticates('ck_revoked_app', v('v25').plaintext)).toBe(false);

    expect(await api.introspect(resourceServer, TOKEN.pkcs1.plaintext)).toMatchObject({ active: true, client_id: 'ck_oaep_sha1', token_type: 'Bearer', scope: 'default' });
    expect(await api.introspect(resourceServer, TOKEN.aesOldKeyNoKeyId.plaintext)).toMatchObject({ active: true, client_id: 'ck_aes_kid', username: 'carol', scope: 'openid' });
    expect(await api.introspect(resourceServer, TOKEN.aesNoKeyId.plaintext)).toMatchObject({ active: true, token_type: 'refresh_token' });
    // WSO2's EXPIRED row: the access token has expired (as in WSO2), its refresh token has not.
    expect(await api.introspect(resourceServer, TOKEN.oaepSha256.plaintext)).toEqual({ active: false });
    expect(await api.introspect(resourceServer, TOKEN.aesOldKeyWithKeyId.plaintext)).toMatchObject({ active: true, username: 'LDAP/bob' });
    // Skipped and failed rows are not here.
    for (const plaintext of ['wso2-expired-access-token-0002', 'wso2-revoked-access-token-0003', 'wso2-orphan-access-token-0004', 'wso2-token-under-another-key-0006']) {
      expect(await api.introspect(resourceServer, plaintext)).toEqual({ active: false });
    }
  });

  test("an imported client keeps WSO2's PKCE settings at the authorization endpoint: a challenge required, plain allowed", async () => {
    const authorize = (extra: Record<string, string>) =>
      fetch(`${km.baseUrl}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'ck_aes_kid', redirect_uri: 'https://a.example/cb', ...extra }).toString()}`, {
        redirect: 'manual',
      });
    const refused = await authorize({});
    expect(refused.status).toBe(302);
    const location = new URL(refused.headers.get('location')!);
    expect([location.origin + location.pathname, location.searchParams.get('error'), location.searchParams.get('error_description')]).toEqual([
      'https://a.example/cb',
      'invalid_request',
      'PKCE is mandatory for this application. PKCE Challenge is not provided or is not upto RFC 7636 specification.',
    ]);
    // A plain challenge (allowed for this client, as in WSO2) reaches the sign-in page.
    const plain = await authorize({ code_challenge: 'p'.repeat(43), code_challenge_method: 'plain' });
    expect(plain.status).toBe(200);
    await plain.arrayBuffer();
  });

  test('is idempotent: running again imports nothing, changes nothing and reports what is already there', async () => {
    const before = await targetRows();
    const run = await cli(importArgs(encryptedSource, true));
    expect(run.code).toBe(1); // the two broken tokens and the broken secret are still in WSO2
    expect(run.stdout).toMatch(/^clients\s+7\s+0\s+5\s+1\s+1$/m);
    expect(run.stdout).toMatch(/^tokens\s+10\s+0\s+4\s+4\s+2$/m);
    expect(await targetRows()).toEqual(before);
  });

  test('plaintext source (--source-encrypted false): stored as plain; ciphertexts are refused; bare-hex hashes stay hashes', async () => {
    const run = await cli(importArgs(plainSource, false));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^clients\s+2\s+1\s+0\s+0\s+1$/m);
    expect(run.stdout).toMatch(/^tokens\s+2\s+2\s+0\s+0\s+0$/m);
    expect(run.stderr).toContain('failed: client ck_plain_but_encrypted consumer secret: WSO2_VALUE_LOOKS_ENCRYPTED');
    expect(await tokenRow('plain-access-token-0001')).toMatchObject({ access_token: 'plain-access-token-0001', access_token_scheme: 'plain', refresh_token_scheme: 'plain' });
    expect(await authenticates('ck_plain', 'plain-consumer-secret-0001')).toBe(true);
    expect(await api.introspect(resourceServer, 'plain-access-token-0001')).toMatchObject({ active: true, client_id: 'ck_plain' });
    // The pre-6.0.33 hashed row: its holder's token works, WSO2's stored hash of it does not.
    expect(await tokenRow(HASHED_BEFORE_6033)).toMatchObject({ access_token: wso2HashOf(HASHED_BEFORE_6033), access_token_scheme: HASHED_SCHEME, username: 'frank' });
    expect(await api.introspect(resourceServer, HASHED_BEFORE_6033)).toMatchObject({ active: true, client_id: 'ck_plain', username: 'frank' });
    expect(await api.introspect(resourceServer, sha256(HASHED_BEFORE_6033))).toEqual({ active: false });
  });

  test('hashed source (hash_tokens_and_secrets): kept as hashes only; they work for their holders, and as credentials themselves never', async () => {
    const run = await cli(importArgs(hashedSource, false));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^clients\s+2\s+1\s+0\s+0\s+1$/m);
    expect(run.stdout).toMatch(/^tokens\s+2\s+2\s+0\s+0\s+0$/m);
    expect(run.stderr).toMatch(/failed: client ck_hashed_sha512 consumer secret: WSO2_HASH_UNSUPPORTED: .*"SHA-512"/);
    expect(run.stdout).toMatch(new RegExp(`oauth_tokens\\.access_token\\s+${HASHED_SCHEME}\\s+2`));

    const [client] = await queryTestDatabase<Record<string, unknown>>(`SELECT client_secret, client_secret_scheme, client_secret_hash FROM "${km.schema}".oauth_clients WHERE client_id = 'ck_hashed'`);
    expect(client).toEqual({ client_secret: wso2HashOf(HASHED.secret), client_secret_scheme: HASHED_SCHEME, client_secret_hash: sha256(HASHED.secret) });
    expect(await tokenRow(HASHED.access)).toMatchObject({
      access_token: wso2HashOf(HASHED.access),
      access_token_scheme: HASHED_SCHEME,
      refresh_token: wso2HashOf(HASHED.refresh),
      refresh_token_scheme: HASHED_SCHEME,
      refresh_token_hash: sha256(HASHED.refresh),
      username: 'gina',
    });

    // The secrets work, as they did in WSO2 …
    expect(await authenticates('ck_hashed', HASHED.secret)).toBe(true);
    expect(await api.introspect(resourceServer, HASHED.access)).toMatchObject({ active: true, client_id: 'ck_hashed', username: 'gina', scope: 'read' });
    expect(await api.introspect(resourceServer, HASHED.appToken)).toMatchObject({ active: true, client_id: 'ck_hashed' });
    // … and what WSO2 stored, in either form, opens nothing.
    for (const stolen of [wso2HashOf(HASHED.secret), sha256(HASHED.secret)]) expect(await authenticates('ck_hashed', stolen)).toBe(false);
    for (const stolen of [wso2HashOf(HASHED.access), sha256(HASHED.access), wso2HashOf(HASHED.refresh), sha256(HASHED.refresh)]) {
      expect(await api.introspect(resourceServer, stolen)).toEqual({ active: false });
    }
    await expect(refresh('ck_hashed', HASHED.secret, wso2HashOf(HASHED.refresh))).rejects.toThrow();

    // A hashed secret is never shown: the DCR read of the client has no client_secret.
    const response = await fetch(`${km.baseUrl}/keymanager-operations/dcr/register/ck_hashed`, {
      headers: { authorization: `Basic ${Buffer.from(`${km.admin.username}:${km.admin.password}`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ client_id: 'ck_hashed' });
    expect(body).not.toHaveProperty('client_secret');

    // Re-running finds every row by WSO2's own hash: nothing twice.
    const again = await cli(importArgs(hashedSource, false));
    expect(again.stdout).toMatch(/^tokens\s+2\s+0\s+2\s+0\s+0$/m);
  });

  test("WSO2's current layout: a consumer key in several tenants is imported for none; GRACEFULLY_ROTATED rows are rotated; organization tokens fail", async () => {
    const run = await cli(importArgs(currentSource, false));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^clients\s+5\s+2\s+0\s+1\s+2$/m);
    expect(run.stdout).toMatch(/^tokens\s+5\s+2\s+0\s+2\s+1$/m);
    expect(run.stderr).toContain('failed: client ck_shared (tenant -1234): WSO2_CONSUMER_KEY_AMBIGUOUS: tenants -1234, 5 each have an active app with this consumer key');
    expect(run.stderr).toContain('failed: client ck_shared (tenant 5): WSO2_CONSUMER_KEY_AMBIGUOUS');
    expect(run.stderr).toContain('failed: token c5 (client ck_twin): WSO2_TOKEN_ORGANIZATION');
    // Neither tenant's app, nor any token of that key, is here.
    expect(await authenticates('ck_shared', 'shared-secret-tenant-a')).toBe(false);
    expect(await authenticates('ck_shared', 'shared-secret-tenant-b')).toBe(false);
    expect(await api.introspect(resourceServer, 'shared-app-token-0001')).toEqual({ active: false });
    // A revoked twin in another tenant takes nothing from the active one.
    expect(await authenticates('ck_twin', 'twin-secret-active')).toBe(true);
    expect(await authenticates('ck_tenant_b', 'tenant-b-secret')).toBe(true);
    expect(await tokenRow('tenant-b-jti-0001')).toMatchObject({ client_id: 'ck_tenant_b', token_type: 'JWT' });
    // The successor of a graceful rotation works; the rotated row was not imported.
    expect(await api.introspect(resourceServer, 'twin-access-0002')).toMatchObject({ active: true, client_id: 'ck_twin', username: 'ivan' });
    expect(await api.introspect(resourceServer, 'twin-rotated-refresh-0001')).toEqual({ active: false });
    expect(await tokenRow('twin-rotated-access-0001')).toBeUndefined();
  });

  test("tokens of this Key Manager's selector format get their selectors: found by them, introspected, refreshed, and not imported twice", async () => {
    // The Key Manager narrowed its hash indexes at start (a small table): rows with a selector are only found by it.
    const indexes = await queryTestDatabase<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'oauth_tokens' AND indexname LIKE '%hash_key'`, [
      km.schema,
    ]);
    expect(indexes.map((i) => i.indexname).sort()).toEqual(['oauth_tokens_legacy_access_token_hash_key', 'oauth_tokens_legacy_refresh_token_hash_key']);

    const run = await cli(importArgs(selectorSource, false));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^tokens\s+2\s+2\s+0\s+0\s+0$/m);
    expect(await tokenRow(SELECTOR_TOKENS.access)).toMatchObject({
      client_id: 'ck_selector',
      access_token_selector: selectorOfSecret(SELECTOR_TOKENS.access),
      refresh_token_selector: selectorOfSecret(SELECTOR_TOKENS.refresh),
    });
    expect(await tokenRow(SELECTOR_TOKENS.jti)).toMatchObject({ client_id: 'ck_selector_jwt', token_type: 'JWT', access_token_selector: selectorOfJti(SELECTOR_TOKENS.jti), refresh_token_selector: null });
    // WSO2's own tokens (UUIDv4s, jtis, hashes) have none: found by their hash, as before.
    expect(await tokenRow('plain-access-token-0001')).toMatchObject({ access_token_selector: null, refresh_token_selector: null });
    expect(await tokenRow(HASHED.access)).toMatchObject({ access_token_selector: null, refresh_token_selector: null });

    expect(await api.introspect(resourceServer, SELECTOR_TOKENS.access)).toMatchObject({ active: true, client_id: 'ck_selector', username: 'kim', scope: 'read' });
    expect(await api.introspect(resourceServer, SELECTOR_TOKENS.refresh)).toMatchObject({ active: true, token_type: 'refresh_token' });
    // The row is found by the selector, the token checked by its hash: the same selector with other secret bytes is no token.
    const forged = Buffer.from(SELECTOR_TOKENS.access, 'base64url');
    forged[47] ^= 1;
    expect(await api.introspect(resourceServer, forged.toString('base64url'))).toEqual({ active: false });

    // Found again by their selectors (WSO2's hash column names no selector, so only once read): nothing twice.
    const before = await targetRows();
    const again = await cli(importArgs(selectorSource, false));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^tokens\s+2\s+0\s+2\s+0\s+0$/m);
    expect(await targetRows()).toEqual(before);

    const refreshed = await refresh('ck_selector', 'selector-consumer-secret-0001', SELECTOR_TOKENS.refresh);
    expect(await api.introspect(resourceServer, refreshed.access_token)).toMatchObject({ active: true, client_id: 'ck_selector', username: 'kim' });
    expect(await api.introspect(resourceServer, SELECTOR_TOKENS.refresh)).toEqual({ active: false });
  });

  test('an insert meeting a token already here skips it, by hash or by selector, under the narrowed (partial) unique indexes', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const target = await KeyManagerTargetRepository.open(pool, km.schema);
      const processor = new TokenProcessor(new SecretCipher(Keyring.create({ rsa: [], symmetric: [] }), { enabled: false, transformation: Transformations.AesGcm }));
      const token = (access: string, refresh: string | null, selectors: boolean): ImportedToken => ({
        clientId: 'ck_selector',
        username: null,
        scopes: '',
        tokenType: 'Default',
        grantType: 'client_credentials',
        access: processor.protect('access_token', access),
        accessSelector: selectors ? selectorOfSecret(access) : null,
        refresh: refresh === null ? null : processor.protect('refresh_token', refresh),
        refreshSelector: selectors && refresh !== null ? selectorOfSecret(refresh) : null,
        issuedAt: Math.floor(NOW_MS / 1000),
        expiresAt: Math.floor(NOW_MS / 1000) + 3600,
        refreshExpiresAt: refresh === null ? null : Math.floor(NOW_MS / 1000) + 7200,
        revokedAt: null,
        state: 'ACTIVE',
      });
      const legacy = token('legacy-access-token-0007', 'legacy-refresh-token-0007', false);
      const withSelector = token(selectorFormatToken(NOW_MS), selectorFormatToken(NOW_MS), true);
      secrets.push('legacy-access-token-0007', 'legacy-refresh-token-0007');
      expect(await target.insertTokens([legacy, withSelector])).toEqual(new Set([legacy.access.hash, withSelector.access.hash]));
      expect(await target.existingAccessHashes([legacy, withSelector].map((t) => ({ hash: t.access.hash, selector: t.accessSelector })))).toEqual(
        new Set([legacy.access.hash, withSelector.access.hash]),
      );
      // A row with a selector is not found by its hash alone, nor a row without one by a selector.
      expect(await target.existingAccessHashes([{ hash: withSelector.access.hash, selector: null }])).toEqual(new Set());

      const count = async () => (await queryTestDatabase<{ n: number }>(`SELECT count(*)::int AS n FROM "${km.schema}".oauth_tokens`))[0]!.n;
      const rows = await count();
      // The same tokens again; then their refresh tokens with other access tokens (the unique refresh hash, or selector).
      expect(await target.insertTokens([legacy, withSelector])).toEqual(new Set());
      const otherAccess = (t: ImportedToken, access: string, selectors: boolean): ImportedToken => {
        const other = token(access, null, selectors);
        return { ...t, access: other.access, accessSelector: other.accessSelector };
      };
      expect(await target.insertTokens([otherAccess(legacy, 'legacy-access-token-0008', false), otherAccess(withSelector, selectorFormatToken(NOW_MS), true)])).toEqual(new Set());
      expect(await count()).toBe(rows);
    } finally {
      await pool.end();
    }
  });

  test('once the broken rows are dealt with in WSO2, the import completes with exit 0 and imports nothing twice', async () => {
    await queryTestDatabase(`DELETE FROM "${encryptedSource}".idn_oauth2_access_token WHERE token_id IN ('t7', 't10')`);
    await queryTestDatabase(`DELETE FROM "${encryptedSource}".idn_oauth_consumer_apps WHERE consumer_key = 'ck_broken_secret'`);
    const before = await targetRows();
    const run = await cli(importArgs(encryptedSource, true));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^clients\s+6\s+0\s+5\s+1\s+0$/m);
    expect(run.stdout).toMatch(/^tokens\s+7\s+0\s+4\s+3\s+0$/m);
    expect(await targetRows()).toEqual(before);

    // The expired and the revoked token are there to be taken when asked for.
    const inactive = await cli(importArgs(encryptedSource, true, '--include-inactive', '--dry-run'));
    expect(inactive.code).toBe(0);
    expect(inactive.stdout).toMatch(/^tokens\s+7\s+2\s+4\s+1\s+0$/m);
  });

  test('tokens migrate rewrites every imported value under the current settings, and keeps the hashes as they are', async () => {
    const status = await cli(['tokens', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/to migrate/);
    expect(status.stdout).toMatch(new RegExp(`oauth_tokens\\s+access_token\\s+${HASHED_SCHEME}\\s+3\\s+hash only \\(kept\\)`));
    expect(status.stdout).toContain('are stored as hashes only');

    const migrate = await cli(['tokens', 'migrate', '--verify']);
    expect(migrate.code).toBe(0);
    // Three hashed access tokens, one refresh token and one consumer secret: counted, left.
    expect(migrate.stdout).toContain('5 value(s) stored as hashes only were left as they are');
    const schemes = await queryTestDatabase<{ scheme: string }>(
      `SELECT client_secret_scheme AS scheme FROM "${km.schema}".oauth_clients WHERE client_secret IS NOT NULL
       UNION SELECT access_token_scheme FROM "${km.schema}".oauth_tokens
       UNION SELECT refresh_token_scheme FROM "${km.schema}".oauth_tokens WHERE refresh_token IS NOT NULL ORDER BY 1`,
    );
    expect(schemes.map((s) => s.scheme)).toEqual([CURRENT, HASHED_SCHEME].sort());
    // Nothing is left to do: hash-only values do not count as "not current".
    expect((await cli(['tokens', 'status', '--check'])).code).toBe(0);
    expect(await authenticates('ck_hashed', HASHED.secret)).toBe(true);
    expect(await api.introspect(resourceServer, HASHED.access)).toMatchObject({ active: true });

    expect(await authenticates('ck_legacy_raw', SECRET.legacyRaw.plaintext)).toBe(true);
    expect(await authenticates('ck_aes_kid', SECRET.aesWithKeyId.plaintext)).toBe(true);
    expect(await authenticates('ck_plain', 'plain-consumer-secret-0001')).toBe(true);
    expect(await api.introspect(resourceServer, TOKEN.pkcs1.plaintext)).toMatchObject({ active: true, client_id: 'ck_oaep_sha1' });
    expect(await api.introspect(resourceServer, 'plain-access-token-0001')).toMatchObject({ active: true });
  });

  test('imported refresh tokens work at the token endpoint: an EXPIRED WSO2 row refreshes, a JWT client gets a JWT', async () => {
    const fromExpired = await refresh('ck_legacy_raw', SECRET.legacyRaw.plaintext, TOKEN.aesOldKeyWithKeyId.plaintext);
    expect(await api.introspect(resourceServer, fromExpired.access_token)).toMatchObject({ active: true, client_id: 'ck_legacy_raw', username: 'LDAP/bob', scope: 'read write' });
    // Rotated, as the Key Manager (and WSO2) does: the old refresh token is spent.
    expect(await api.introspect(resourceServer, TOKEN.aesOldKeyWithKeyId.plaintext)).toEqual({ active: false });

    const jwtClient = await refresh('ck_jwt', SECRET.oaepSha256.plaintext, JWT_REFRESH_PLAIN);
    expect(jwtClient.access_token.split('.')).toHaveLength(3);
    expect(await api.introspect(resourceServer, jwtClient.access_token)).toMatchObject({ active: true, client_id: 'ck_jwt', username: 'dave' });
  });

  test('prints no secret: no consumer secret, token, stored value, key or database password', () => {
    expect(outputs.length).toBeGreaterThan(5);
    const printed = outputs.map((o) => `${o.stdout}\n${o.stderr}`).join('\n');
    for (const secret of secrets) expect([secret.slice(0, 12), printed.includes(secret)]).toEqual([secret.slice(0, 12), false]);
  });
});
