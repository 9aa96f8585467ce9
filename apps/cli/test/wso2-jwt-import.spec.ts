/**
 * WSO2-issued JWT access tokens keep working after `cli wso2 import`: with WSO2's signing certificate
 * configured (`[[oauth.wso2_jwt_issuer]]`), our JWKS publishes WSO2's key under WSO2's own `kid`, WSO2's
 * issuer is accepted for those keys only, and the imported tokens introspect active until they expire or
 * are revoked. The JWTs are built as WSO2's JWTTokenIssuer builds them (header and claims), signed with the
 * shared WSO2 vector keystore; the rows are written with WSO2's DDL as WSO2 writes them (jti in
 * ACCESS_TOKEN, its hash JSON, TOKEN_SCOPE_HASH, states, milliseconds).
 */
import { randomBytes, randomUUID, createSign, createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { formatUuid, loadKeystore, selectorOfJti, stampUuidV7, type KeystoreKey } from '@app/crypto';
import { runCliForTest } from '../../../test/support/cli-runner.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { otherSpellings } from '../../../test/support/jwt-spellings.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../../../test/support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { dropSchema, queryTestDatabase, uniqueSchema } from '../../../test/support/test-database.js';
import { createTestKeystore, WSO2_VECTOR_KEYSTORE, type TestKeystore } from '../../../test/support/test-keystore.js';
import { createWso2Schema, HOUR, MINUTE } from './wso2-source.fixture.js';

jest.setTimeout(180_000);

const WSO2_ISSUER = 'https://wso2.example.com:9443/oauth2/token';
const NOW_MS = Date.now();
const source = uniqueSchema('wso2_jwt');
const CLIENT = { id: 'ck_wso2_jwt_client', secret: 'wso2-plain-consumer-secret-1' };

let dir: TestConfigDir;
let nats: PrivateNats;
let km: KeyManagerUnderTest;
let api: KeyManagerOAuth;
let wso2Key: KeystoreKey;
let resourceServer: { clientId: string; clientSecret: string };
let ownKeystore: TestKeystore;

/** WSO2's kid (DefaultKeyIDProviderImpl): Base64URL of the lowercase hex SHA-256 of the certificate, `_RS256`. */
const wso2Kid = (der: Buffer) => `${Buffer.from(createHash('sha256').update(der).digest('hex')).toString('base64url')}_RS256`;

/** A JWT access token as WSO2's JWTTokenIssuer signs it: x5t (SHA-1, not hexified), kid, typ at+jwt; its claims. */
function wso2Jwt(claims: { jti: string; iatMs: number; validityMs: number; iss?: string; sub?: string }, signer: KeystoreKey = wso2Key): string {
  const header = { x5t: createHash('sha1').update(signer.certificateDer).digest('base64url'), kid: wso2Kid(signer.certificateDer), typ: 'at+jwt', alg: 'RS256' };
  const iat = Math.floor(claims.iatMs / 1000);
  const payload = {
    sub: claims.sub ?? 'admin',
    aut: 'APPLICATION',
    aud: CLIENT.id,
    nbf: iat,
    azp: CLIENT.id,
    scope: 'default',
    iss: claims.iss ?? WSO2_ISSUER,
    exp: Math.floor((claims.iatMs + claims.validityMs) / 1000),
    iat,
    jti: claims.jti,
    client_id: CLIENT.id,
  };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createSign('sha256').update(input).sign(signer.privateKey).toString('base64url')}`;
}

/** A UUIDv7 jti, as this Key Manager issues them: the row's selector once imported. */
function uuidV7(ms: number): string {
  const bytes = randomBytes(16);
  stampUuidV7(bytes, ms);
  return formatUuid(bytes);
}
const JTI = { live: randomUUID(), revokedInWso2: randomUUID(), expired: randomUUID(), notImported: randomUUID(), toRevoke: randomUUID(), v7: uuidV7(NOW_MS - MINUTE) };
let tokens: Record<keyof typeof JTI, string>;

beforeAll(async () => {
  dir = await makeTempDir('wso2-jwt-');
  nats = await startPrivateNats();
  wso2Key = await loadKeystore(WSO2_VECTOR_KEYSTORE);
  const certificate = join(dir.dir, 'wso2-signing.pem');
  await writeFile(certificate, wso2Key.certificatePem);
  // The Key Manager has a keystore of its own; WSO2's certificate is configured for WSO2's JWTs only.
  ownKeystore = await createTestKeystore(dir.dir);
  km = await startKeyManagerForTest({
    dir: dir.dir,
    keystore: ownKeystore,
    nats: nats.url,
    encryption: 'rsa-oaep',
    toml: { oauth: { wso2_jwt_issuer: [{ issuer: WSO2_ISSUER, certificate }] } },
  });
  api = await keyManagerOAuth(km.baseUrl);
  resourceServer = await api.registerClient(km.admin, { client_name: 'wso2-jwt-rs', grant_types: ['client_credentials'], ext_resource_server: true });

  const created = (agoMs: number) => NOW_MS - agoMs;
  tokens = {
    live: wso2Jwt({ jti: JTI.live, iatMs: created(5 * MINUTE), validityMs: HOUR }),
    revokedInWso2: wso2Jwt({ jti: JTI.revokedInWso2, iatMs: created(5 * MINUTE), validityMs: HOUR }),
    expired: wso2Jwt({ jti: JTI.expired, iatMs: created(2 * HOUR), validityMs: HOUR }),
    notImported: wso2Jwt({ jti: JTI.notImported, iatMs: created(MINUTE), validityMs: HOUR }),
    toRevoke: wso2Jwt({ jti: JTI.toRevoke, iatMs: created(MINUTE), validityMs: HOUR, sub: 'carol' }),
    v7: wso2Jwt({ jti: JTI.v7, iatMs: created(MINUTE), validityMs: HOUR, sub: 'dora' }),
  };
  // WSO2 persists a JWT access token by its jti (PersistAccessTokenAlias); a plaintext WSO2 deployment.
  // WSO2's CON_APP_KEY allows one ACTIVE row per client, user and scopes: the second live token is a user's.
  const row = (id: string, jti: string, agoMs: number, state?: string) => ({
    id,
    app: 1,
    access: jti,
    accessPlain: jti,
    userType: 'APPLICATION' as const,
    grant: 'client_credentials',
    createdAgoMs: agoMs,
    validityMs: HOUR,
    withHash: true,
    ...(state ? { state } : {}),
  });
  await createWso2Schema(
    source,
    [{ id: 1, key: CLIENT.id, secret: CLIENT.secret, grants: 'client_credentials refresh_token', tokenType: 'JWT' }],
    [row('j1', JTI.live, 5 * MINUTE), row('j2', JTI.revokedInWso2, 5 * MINUTE, 'REVOKED'), row('j3', JTI.expired, 2 * HOUR, 'EXPIRED'), { ...row('j4', JTI.toRevoke, MINUTE), user: 'carol', userType: 'APPLICATION_USER' as const, grant: 'password' },
      { ...row('j5', JTI.v7, MINUTE), user: 'dora', userType: 'APPLICATION_USER' as const, grant: 'password' },
    ],
    { now: NOW_MS },
  );
  const run = await runCliForTest(['wso2', 'import', '--source-url', 'postgres://postgres@127.0.0.1:5432/test', '--source-schema', source, '--source-encrypted', 'false'], { DEPLOYMENT_CONFIG: km.config.file });
  if (run.code !== 0) throw new Error(`import failed (${run.code}): ${run.stdout}\n${run.stderr}`);
});

afterAll(async () => {
  await km?.stop();
  await nats?.stop();
  await dropSchema(source).catch(() => undefined);
  await dir?.remove();
});

describe('WSO2-issued JWTs after cli wso2 import', () => {
  test("the JWKS publishes WSO2's key under WSO2's kid: a resource server validating locally changes only the JWKS URL", async () => {
    const jwks = (await (await fetch(`${km.baseUrl}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string; n: string }> };
    const published = jwks.keys.find((k) => k.kid === wso2Kid(wso2Key.certificateDer));
    expect(published?.n).toBe((wso2Key.publicKey.export({ format: 'jwk' }) as { n: string }).n);
    // Its own keys are still there, under their own kids.
    expect(jwks.keys.some((k) => k.kid !== published!.kid && k.n !== published!.n)).toBe(true);
    // Same issuer and audience checks as against WSO2 — only the JWKS URL is ours.
    const { payload } = await jwtVerify(tokens.live, createRemoteJWKSet(new URL(`${km.baseUrl}/oauth2/jwks`)), { issuer: WSO2_ISSUER, audience: CLIENT.id });
    expect(payload.jti).toBe(JTI.live);
  });

  test('an imported WSO2 JWT introspects active, with its WSO2 issuer, client and expiry', async () => {
    const result = await api.introspect(resourceServer, tokens.live);
    expect(result).toMatchObject({ active: true, client_id: CLIENT.id, iss: WSO2_ISSUER, jti: JTI.live, token_type: 'Bearer', scope: 'default' });
    expect(result.exp).toBe(Math.floor((NOW_MS - 5 * MINUTE + HOUR) / 1000));
    // Only in the spelling WSO2 wrote it (issue 10 defect 8): the same bytes, written otherwise, are not a token.
    for (const { token } of otherSpellings(tokens.live)) expect(await api.introspect(resourceServer, token)).toEqual({ active: false });
  });

  test('an imported WSO2 JWT whose jti is a UUIDv7 gets the selector made from it, and is found by it', async () => {
    const [row] = await queryTestDatabase<{ selector: string | null }>(`SELECT access_token_selector::text AS selector FROM "${km.schema}".oauth_tokens WHERE username = 'dora'`);
    expect(row?.selector).toBe(selectorOfJti(JTI.v7));
    const [other] = await queryTestDatabase<{ selector: string | null }>(`SELECT access_token_selector::text AS selector FROM "${km.schema}".oauth_tokens WHERE username = 'carol'`);
    expect(other?.selector).toBeNull();
    expect(await api.introspect(resourceServer, tokens.v7)).toMatchObject({ active: true, client_id: CLIENT.id, iss: WSO2_ISSUER, jti: JTI.v7 });
  });

  test('revoked in WSO2, expired, or never imported: inactive', async () => {
    for (const token of [tokens.revokedInWso2, tokens.expired, tokens.notImported]) {
      expect(await api.introspect(resourceServer, token)).toEqual({ active: false });
    }
  });

  test('revoked here: inactive from then on', async () => {
    expect((await api.introspect(resourceServer, tokens.toRevoke)).active).toBe(true);
    await api.revoke(CLIENT.id, CLIENT.secret, tokens.toRevoke);
    expect(await api.introspect(resourceServer, tokens.toRevoke)).toEqual({ active: false });
  });

  test("WSO2's issuer is accepted for WSO2's keys only, and WSO2's keys for WSO2's issuer only", async () => {
    // WSO2's key with this Key Manager's issuer.
    const ownIssuer = wso2Jwt({ jti: JTI.live, iatMs: NOW_MS - MINUTE, validityMs: HOUR, iss: km.config.oauth.issuer });
    // Our own signing key claiming WSO2's issuer (kid computed WSO2's way for our certificate: unknown here).
    const ourKey = await loadKeystore(ownKeystore);
    const foreignKey = wso2Jwt({ jti: JTI.live, iatMs: NOW_MS - MINUTE, validityMs: HOUR }, ourKey);
    for (const token of [ownIssuer, foreignKey]) expect(await api.introspect(resourceServer, token)).toEqual({ active: false });
  });

  test('the imported client keeps its WSO2 secret, and new tokens are signed by this Key Manager', async () => {
    const fresh = await api.clientCredentials(CLIENT.id, CLIENT.secret);
    expect((await api.introspect(resourceServer, fresh.access_token)).iss).toBe(km.config.oauth.issuer);
  });
});
