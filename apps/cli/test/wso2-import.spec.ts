/**
 * `cli wso2 import` end to end: a WSO2 identity database (the DDL subset below, filled with the shared
 * vectors exactly as WSO2 stores them) is imported into a running Key Manager; then the imported clients
 * authenticate with their WSO2 consumer secrets and the imported tokens introspect, through a standards
 * client (oauth4webapi) — before and after `tokens migrate` rewrites them under the current settings.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import { Keyring, loadKeystore, parseSymmetricKey, SecretCipher, Transformations } from '@app/crypto';
import { runCliForTest, type CliRun } from '../../../test/support/cli-runner.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../../../test/support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { dropSchema, queryTestDatabase, uniqueSchema } from '../../../test/support/test-database.js';
import { REPO_ROOT, WSO2_VECTOR_KEYSTORE } from '../../../test/support/test-keystore.js';

jest.setTimeout(180_000);

/**
 * The subset of WSO2's DDL the import reads: Identity Server 5.x / API Manager 3.x–4.x
 * `dbscripts/postgresql.sql` (identity tables), tables complete and column names as WSO2 writes them
 * (unquoted upper case, which PostgreSQL folds to lower case). Also in docs/wso2-migration.md.
 */
const WSO2_DDL = `
CREATE SEQUENCE IDN_OAUTH_CONSUMER_APPS_PK_SEQ;
CREATE TABLE IDN_OAUTH_CONSUMER_APPS (
            ID INTEGER DEFAULT NEXTVAL('IDN_OAUTH_CONSUMER_APPS_PK_SEQ'),
            CONSUMER_KEY VARCHAR(255),
            CONSUMER_SECRET VARCHAR(2048),
            USERNAME VARCHAR(255),
            TENANT_ID INTEGER DEFAULT 0,
            USER_DOMAIN VARCHAR(50),
            APP_NAME VARCHAR(255),
            OAUTH_VERSION VARCHAR(128),
            CALLBACK_URL VARCHAR(2048),
            GRANT_TYPES VARCHAR (1024),
            PKCE_MANDATORY CHAR(1) DEFAULT '0',
            PKCE_SUPPORT_PLAIN CHAR(1) DEFAULT '0',
            APP_STATE VARCHAR (25) DEFAULT 'ACTIVE',
            USER_ACCESS_TOKEN_EXPIRE_TIME BIGINT DEFAULT 3600,
            APP_ACCESS_TOKEN_EXPIRE_TIME BIGINT DEFAULT 3600,
            REFRESH_TOKEN_EXPIRE_TIME BIGINT DEFAULT 84600,
            ID_TOKEN_EXPIRE_TIME BIGINT DEFAULT 3600,
            CONSTRAINT CONSUMER_KEY_CONSTRAINT UNIQUE (CONSUMER_KEY),
            PRIMARY KEY (ID)
);
CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN (
            TOKEN_ID VARCHAR (255),
            ACCESS_TOKEN VARCHAR(2048),
            REFRESH_TOKEN VARCHAR(2048),
            CONSUMER_KEY_ID INTEGER,
            AUTHZ_USER VARCHAR (100),
            TENANT_ID INTEGER,
            USER_DOMAIN VARCHAR(50),
            USER_TYPE VARCHAR (25),
            GRANT_TYPE VARCHAR (50),
            TIME_CREATED TIMESTAMP,
            REFRESH_TOKEN_TIME_CREATED TIMESTAMP,
            VALIDITY_PERIOD BIGINT,
            REFRESH_TOKEN_VALIDITY_PERIOD BIGINT,
            TOKEN_SCOPE_HASH VARCHAR(32),
            TOKEN_STATE VARCHAR(25) DEFAULT 'ACTIVE',
            TOKEN_STATE_ID VARCHAR (128) DEFAULT 'NONE',
            SUBJECT_IDENTIFIER VARCHAR(255),
            ACCESS_TOKEN_HASH VARCHAR(512),
            REFRESH_TOKEN_HASH VARCHAR(512),
            IDP_ID INTEGER,
            TOKEN_BINDING_REF VARCHAR (32) DEFAULT 'NONE',
            PRIMARY KEY (TOKEN_ID),
            FOREIGN KEY (CONSUMER_KEY_ID) REFERENCES IDN_OAUTH_CONSUMER_APPS(ID) ON DELETE CASCADE,
            CONSTRAINT CON_APP_KEY UNIQUE (CONSUMER_KEY_ID,AUTHZ_USER,TENANT_ID,USER_DOMAIN,USER_TYPE,TOKEN_SCOPE_HASH,
                                           TOKEN_STATE,TOKEN_STATE_ID,IDP_ID,TOKEN_BINDING_REF)
);
CREATE TABLE IDN_OAUTH2_ACCESS_TOKEN_SCOPE (
            TOKEN_ID VARCHAR (255),
            TOKEN_SCOPE VARCHAR (60),
            TENANT_ID INTEGER DEFAULT -1,
            PRIMARY KEY (TOKEN_ID, TOKEN_SCOPE),
            FOREIGN KEY (TOKEN_ID) REFERENCES IDN_OAUTH2_ACCESS_TOKEN(TOKEN_ID) ON DELETE CASCADE
);
CREATE SEQUENCE IDN_OIDC_PROPERTY_SEQ;
CREATE TABLE IDN_OIDC_PROPERTY (
  ID INTEGER DEFAULT NEXTVAL('IDN_OIDC_PROPERTY_SEQ'),
  TENANT_ID  INTEGER,
  CONSUMER_KEY  VARCHAR(255) ,
  PROPERTY_KEY  VARCHAR(255) NOT NULL,
  PROPERTY_VALUE  VARCHAR(2047) ,
  PRIMARY KEY (ID) ,
  FOREIGN KEY (CONSUMER_KEY) REFERENCES IDN_OAUTH_CONSUMER_APPS(CONSUMER_KEY) ON DELETE CASCADE
);
`;

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

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const NOW_MS = Date.now();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A vector with its RSA ciphertext replaced: well-formed, names the configured key, does not decrypt. */
function tampered(vector: Vector): string {
  const envelope = JSON.parse(Buffer.from(vector.stored, 'base64').toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...envelope, c: Buffer.alloc(256, 0x5a).toString('base64') })).toString('base64');
}

interface App {
  id: number;
  key: string;
  secret: string;
  grants: string;
  owner?: [string, string];
  state?: string;
  callback?: string;
  tokenType?: string;
}

interface Token {
  id: string;
  app: number;
  access: string;
  accessPlain?: string;
  refresh?: string;
  refreshPlain?: string;
  user?: string;
  userType?: 'APPLICATION' | 'APPLICATION_USER';
  grant: string;
  createdAgoMs: number;
  validityMs: number;
  refreshValidityMs?: number;
  state?: string;
  scopes?: string[];
  withHash?: boolean;
}

async function createWso2Schema(schema: string, apps: App[], tokens: Token[]): Promise<void> {
  await queryTestDatabase(`CREATE SCHEMA "${schema}"`);
  await queryTestDatabase(WSO2_DDL, [], schema);
  for (const a of apps) {
    await queryTestDatabase(
      `INSERT INTO IDN_OAUTH_CONSUMER_APPS (ID, CONSUMER_KEY, CONSUMER_SECRET, USERNAME, TENANT_ID, USER_DOMAIN, APP_NAME, OAUTH_VERSION, CALLBACK_URL,
         GRANT_TYPES, APP_STATE, USER_ACCESS_TOKEN_EXPIRE_TIME, APP_ACCESS_TOKEN_EXPIRE_TIME, REFRESH_TOKEN_EXPIRE_TIME)
       VALUES ($1, $2, $3, $4, -1234, $5, $6, 'OAuth-2.0', $7, $8, $9, 1800, 3600, 86400)`,
      [a.id, a.key, a.secret, a.owner?.[0] ?? 'admin', a.owner?.[1] ?? 'PRIMARY', `admin_${a.key}_PRODUCTION`, a.callback ?? null, a.grants, a.state ?? 'ACTIVE'],
      schema,
    );
    if (a.tokenType) {
      await queryTestDatabase(`INSERT INTO IDN_OIDC_PROPERTY (TENANT_ID, CONSUMER_KEY, PROPERTY_KEY, PROPERTY_VALUE) VALUES (-1234, $1, 'tokenType', $2)`, [a.key, a.tokenType], schema);
    }
  }
  for (const t of tokens) {
    const created = NOW_MS - t.createdAgoMs;
    // WSO2 writes its TIMESTAMP columns in UTC.
    await queryTestDatabase(
      `INSERT INTO IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID, ACCESS_TOKEN, REFRESH_TOKEN, CONSUMER_KEY_ID, AUTHZ_USER, TENANT_ID, USER_DOMAIN, USER_TYPE, GRANT_TYPE,
         TIME_CREATED, REFRESH_TOKEN_TIME_CREATED, VALIDITY_PERIOD, REFRESH_TOKEN_VALIDITY_PERIOD, TOKEN_SCOPE_HASH, TOKEN_STATE, TOKEN_STATE_ID,
         ACCESS_TOKEN_HASH, REFRESH_TOKEN_HASH, IDP_ID)
       VALUES ($1::text, $2, $3, $4, $5, -1234, $6, $7, $8, (to_timestamp($9::float8 / 1000) AT TIME ZONE 'UTC'), (to_timestamp($9::float8 / 1000) AT TIME ZONE 'UTC'),
         $10, $11, md5($1::text), $12, 'NONE', $13, $14, 1)`,
      [
        t.id,
        t.access,
        t.refresh ?? null,
        t.app,
        t.user ?? 'admin',
        t.user === 'bob' ? 'LDAP' : 'PRIMARY',
        t.userType ?? 'APPLICATION_USER',
        t.grant,
        created,
        t.validityMs,
        t.refresh ? (t.refreshValidityMs ?? 24 * HOUR) : -1,
        t.state ?? 'ACTIVE',
        t.withHash && t.accessPlain !== undefined ? sha256(t.accessPlain) : null,
        t.withHash && t.refreshPlain !== undefined ? sha256(t.refreshPlain) : null,
      ],
      schema,
    );
    for (const scope of t.scopes ?? ['default']) {
      await queryTestDatabase(`INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_SCOPE (TOKEN_ID, TOKEN_SCOPE, TENANT_ID) VALUES ($1, $2, -1234)`, [t.id, scope], schema);
    }
  }
}

let dir: TestConfigDir;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let api: KeyManagerOAuth;
let resourceServer: { clientId: string; clientSecret: string };
let env: NodeJS.ProcessEnv;
const encryptedSource = uniqueSchema('wso2_enc');
const plainSource = uniqueSchema('wso2_plain');
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
      },
      { id: 4, key: 'ck_jwt', secret: SECRET.oaepSha256.stored, grants: 'client_credentials password refresh_token', tokenType: 'JWT' },
      { id: 5, key: 'ck_revoked_app', secret: v('v25').stored, grants: 'client_credentials', tokenType: 'Default', state: 'REVOKED' },
      { id: 6, key: 'ck_broken_secret', secret: tampered(v('v33')), grants: 'client_credentials', tokenType: 'Default' },
      { id: 7, key: 'ck_no_token_type', secret: SECRET.pkcs1.stored, grants: 'client_credentials' },
    ],
    [
      // Usable tokens, every stored format among them.
      { id: 't1', app: 1, access: TOKEN.pkcs1.stored, accessPlain: TOKEN.pkcs1.plaintext, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: 10 * MINUTE, validityMs: HOUR, withHash: true },
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
      { id: 't5', app: 1, access: ownSealed.expired, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: 48 * HOUR, validityMs: HOUR },
      { id: 't6', app: 1, access: ownSealed.revoked, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR, state: 'REVOKED' },
      // Their client is not imported: skipped.
      { id: 't8', app: 6, access: ownSealed.orphan, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
      { id: 't9', app: 5, access: ownSealed.revokedApp, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
      // Do not decrypt: reported, not imported.
      { id: 't7', app: 3, access: tampered(v('v8')), userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
      { id: 't10', app: 1, access: ownSealed.unknownKey, userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
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
      // WSO2's hashing persistence processor keeps only hashes: there is nothing to import.
      { id: 'p2', app: 1, access: sha256('a-hashed-token'), accessPlain: sha256('a-hashed-token'), userType: 'APPLICATION', grant: 'client_credentials', createdAgoMs: MINUTE, validityMs: HOUR },
    ],
  );
  await queryTestDatabase(`UPDATE "${plainSource}".idn_oauth2_access_token SET access_token_hash = access_token WHERE token_id = 'p2'`);

  secrets.push(
    ...Object.values(SECRET).flatMap((x) => [x.plaintext, x.stored]),
    ...Object.values(TOKEN).flatMap((x) => [x.plaintext, x.stored]),
    ...Object.values(ownSealed),
    JWT_REFRESH_PLAIN,
    'plain-consumer-secret-0001',
    'plain-access-token-0001',
    'plain-refresh-token-0001',
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
              application_token_lifetime, user_token_lifetime, refresh_token_lifetime, public_client
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
      redirect_uris: ['https://a.example/cb', 'https://b.example/cb'],
      token_type: 'Default',
      application_token_lifetime: 3600,
      user_token_lifetime: 1800,
      refresh_token_lifetime: 86400,
      public_client: false,
    });
    expect(byId.get('ck_legacy_raw')).toMatchObject({ owner: 'LDAP/bob' });
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

  test('is idempotent: running again imports nothing, changes nothing and reports what is already there', async () => {
    const before = await targetRows();
    const run = await cli(importArgs(encryptedSource, true));
    expect(run.code).toBe(1); // the two broken tokens and the broken secret are still in WSO2
    expect(run.stdout).toMatch(/^clients\s+7\s+0\s+5\s+1\s+1$/m);
    expect(run.stdout).toMatch(/^tokens\s+10\s+0\s+4\s+4\s+2$/m);
    expect(await targetRows()).toEqual(before);
  });

  test('plaintext source (--source-encrypted false): stored as plain; ciphertexts and hash-only rows are refused', async () => {
    const run = await cli(importArgs(plainSource, false));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^clients\s+2\s+1\s+0\s+0\s+1$/m);
    expect(run.stdout).toMatch(/^tokens\s+2\s+1\s+0\s+0\s+1$/m);
    expect(run.stderr).toContain('failed: client ck_plain_but_encrypted consumer secret: WSO2_VALUE_LOOKS_ENCRYPTED');
    expect(run.stderr).toContain('failed: token p2 (client ck_plain) access token: WSO2_HASH_MISMATCH');
    expect(await tokenRow('plain-access-token-0001')).toMatchObject({ access_token: 'plain-access-token-0001', access_token_scheme: 'plain', refresh_token_scheme: 'plain' });
    expect(await authenticates('ck_plain', 'plain-consumer-secret-0001')).toBe(true);
    expect(await api.introspect(resourceServer, 'plain-access-token-0001')).toMatchObject({ active: true, client_id: 'ck_plain' });
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

  test('tokens migrate rewrites every imported value under the current settings, and everything still works', async () => {
    const status = await cli(['tokens', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/to migrate/);

    const migrate = await cli(['tokens', 'migrate', '--verify']);
    expect(migrate.code).toBe(0);
    const schemes = await queryTestDatabase<{ scheme: string }>(
      `SELECT client_secret_scheme AS scheme FROM "${km.schema}".oauth_clients WHERE client_secret IS NOT NULL
       UNION SELECT access_token_scheme FROM "${km.schema}".oauth_tokens
       UNION SELECT refresh_token_scheme FROM "${km.schema}".oauth_tokens WHERE refresh_token IS NOT NULL`,
    );
    expect(schemes.map((s) => s.scheme)).toEqual([CURRENT]);

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
