/**
 * WSO2 identity databases for the import tests, built the way WSO2 builds and fills them: WSO2's own
 * PostgreSQL DDL (fixtures/wso2-identity-postgresql.sql, copied from carbon-identity-framework with its path
 * and commit), and rows as WSO2's DAOs write them — hash columns as `HashingPersistenceProcessor` writes them,
 * TOKEN_SCOPE_HASH as `OAuth2Util.hashScopes`, TOKEN_STATE / TOKEN_STATE_ID as WSO2 sets them, TIMESTAMPs in
 * UTC and validity periods in milliseconds.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatWso2Hash } from '@app/crypto';
import { queryTestDatabase } from '../../../test/support/test-database.js';
import { REPO_ROOT } from '../../../test/support/test-keystore.js';

/** WSO2's DDL for IDN_OAUTH_CONSUMER_APPS, IDN_OAUTH2_ACCESS_TOKEN, IDN_OAUTH2_ACCESS_TOKEN_SCOPE, IDN_OIDC_PROPERTY. */
export const WSO2_DDL = readFileSync(resolve(REPO_ROOT, 'apps/cli/test/fixtures/wso2-identity-postgresql.sql'), 'utf8');

/** From that DDL to WSO2's current layout: consumer keys unique per tenant, IDN_OAUTH_CONSUMER_SECRETS, AUTHORIZED_ORGANIZATION. */
export const WSO2_CURRENT_LAYOUT = readFileSync(resolve(REPO_ROOT, 'apps/cli/test/fixtures/wso2-current-layout.sql'), 'utf8');

export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** What WSO2 (identity-inbound-auth-oauth 6.0.33 and later) writes into ACCESS_TOKEN_HASH / REFRESH_TOKEN_HASH, and into the secret columns when it hashes them. */
export const wso2HashOf = (secret: string): string => formatWso2Hash(sha256(secret));

/** TOKEN_SCOPE_HASH as WSO2 writes it: `OAuth2Util.hashScopes` — MD5 hex of the scopes, sorted, joined by a space. */
export const scopeHashOf = (scopes: readonly string[]): string => createHash('md5').update([...scopes].sort().join(' '), 'utf8').digest('hex');

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface Wso2App {
  id: number;
  key: string;
  /** CONSUMER_SECRET as stored: plaintext, ciphertext, or WSO2's hash of it. */
  secret: string;
  grants: string;
  owner?: [string, string];
  state?: string;
  callback?: string;
  tokenType?: string;
  tenantId?: number;
  /** PKCE_MANDATORY and PKCE_SUPPORT_PLAIN as WSO2's OAuthAppDAO writes them ('1' or '0'); '0', '0' when absent. */
  pkce?: ['0' | '1', '0' | '1'];
}

export interface Wso2Token {
  id: string;
  app: number;
  /** ACCESS_TOKEN as stored. */
  access: string;
  /** The token itself, for ACCESS_TOKEN_HASH (with `withHash`). */
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
  /** Fill ACCESS_TOKEN_HASH / REFRESH_TOKEN_HASH: WSO2's JSON form (the default), or bare hex as before 6.0.33. */
  withHash?: boolean | 'hex';
  tenantId?: number;
  /** AUTHORIZED_ORGANIZATION, in the current layout only. */
  organization?: string;
}

/** Creates the schema with WSO2's DDL (and the statements in `then`, e.g. WSO2's migration to a newer layout) and fills it. */
export async function createWso2Schema(schema: string, apps: Wso2App[], tokens: Wso2Token[], options: { now: number; then?: string } = { now: Date.now() }): Promise<void> {
  await queryTestDatabase(`CREATE SCHEMA "${schema}"`);
  await queryTestDatabase(WSO2_DDL, [], schema);
  if (options.then) await queryTestDatabase(options.then, [], schema);
  for (const a of apps) {
    await queryTestDatabase(
      `INSERT INTO IDN_OAUTH_CONSUMER_APPS (ID, CONSUMER_KEY, CONSUMER_SECRET, USERNAME, TENANT_ID, USER_DOMAIN, APP_NAME, OAUTH_VERSION, CALLBACK_URL,
         GRANT_TYPES, APP_STATE, USER_ACCESS_TOKEN_EXPIRE_TIME, APP_ACCESS_TOKEN_EXPIRE_TIME, REFRESH_TOKEN_EXPIRE_TIME, PKCE_MANDATORY, PKCE_SUPPORT_PLAIN)
       VALUES ($1, $2, $3, $4, $10, $5, $6, 'OAuth-2.0', $7, $8, $9, 1800, 3600, 86400, $11, $12)`,
      [
        a.id,
        a.key,
        a.secret,
        a.owner?.[0] ?? 'admin',
        a.owner?.[1] ?? 'PRIMARY',
        `admin_${a.key}_PRODUCTION`,
        a.callback ?? null,
        a.grants,
        a.state ?? 'ACTIVE',
        a.tenantId ?? -1234,
        a.pkce?.[0] ?? '0',
        a.pkce?.[1] ?? '0',
      ],
      schema,
    );
    if (a.tokenType) {
      await queryTestDatabase(`INSERT INTO IDN_OIDC_PROPERTY (TENANT_ID, CONSUMER_KEY, PROPERTY_KEY, PROPERTY_VALUE) VALUES ($3, $1, 'tokenType', $2)`, [a.key, a.tokenType, a.tenantId ?? -1234], schema);
    }
  }
  for (const t of tokens) {
    const created = options.now - t.createdAgoMs;
    const scopes = t.scopes ?? ['default'];
    const state = t.state ?? 'ACTIVE';
    const hashOf = (plain: string | undefined) => (!t.withHash || plain === undefined ? null : t.withHash === 'hex' ? sha256(plain) : wso2HashOf(plain));
    // WSO2 writes its TIMESTAMP columns in UTC; an ACTIVE row has TOKEN_STATE_ID 'NONE', any other a fresh UUID.
    await queryTestDatabase(
      `INSERT INTO IDN_OAUTH2_ACCESS_TOKEN (TOKEN_ID, ACCESS_TOKEN, REFRESH_TOKEN, CONSUMER_KEY_ID, AUTHZ_USER, TENANT_ID, USER_DOMAIN, USER_TYPE, GRANT_TYPE,
         TIME_CREATED, REFRESH_TOKEN_TIME_CREATED, VALIDITY_PERIOD, REFRESH_TOKEN_VALIDITY_PERIOD, TOKEN_SCOPE_HASH, TOKEN_STATE, TOKEN_STATE_ID,
         ACCESS_TOKEN_HASH, REFRESH_TOKEN_HASH, IDP_ID)
       VALUES ($1::text, $2, $3, $4, $5, $15, $6, $7, $8, (to_timestamp($9::float8 / 1000) AT TIME ZONE 'UTC'), (to_timestamp($9::float8 / 1000) AT TIME ZONE 'UTC'),
         $10, $11, $16, $12::text, CASE WHEN $12::text = 'ACTIVE' THEN 'NONE' ELSE gen_random_uuid()::text END, $13, $14, 1)`,
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
        state,
        hashOf(t.accessPlain),
        hashOf(t.refreshPlain),
        t.tenantId ?? -1234,
        scopeHashOf(scopes),
      ],
      schema,
    );
    if (t.organization) await queryTestDatabase('UPDATE IDN_OAUTH2_ACCESS_TOKEN SET AUTHORIZED_ORGANIZATION = $2 WHERE TOKEN_ID = $1', [t.id, t.organization], schema);
    for (const scope of scopes) {
      await queryTestDatabase(`INSERT INTO IDN_OAUTH2_ACCESS_TOKEN_SCOPE (TOKEN_ID, TOKEN_SCOPE, TENANT_ID) VALUES ($1, $2, $3)`, [t.id, scope, t.tenantId ?? -1234], schema);
    }
  }
}
