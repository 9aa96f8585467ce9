import type pg from 'pg';
import { CliError } from '../cli.error.js';
import type { Wso2AppRow, Wso2ConsumerSecretRow, Wso2TokenRow } from './wso2-import.types.js';
import { quoteIdentifier } from '@app/platform';

// WSO2's DDL writes names unquoted and upper case; PostgreSQL folds them to lower case. These are the
// columns the import reads (docs/wso2-migration.md lists the DDL subset). Optional ones are absent from some
// WSO2 releases and read as NULL.
const APPS = 'idn_oauth_consumer_apps';
const TOKENS = 'idn_oauth2_access_token';
const SCOPES = 'idn_oauth2_access_token_scope';
const PROPERTIES = 'idn_oidc_property';
/** WSO2's several secrets per app: identity-inbound-auth-oauth's layout (CONSUMER_KEY_ID) or API Manager's (CONSUMER_KEY). */
const SECRETS = 'idn_oauth_consumer_secrets';

const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  [APPS]: [
    'id',
    'consumer_key',
    'consumer_secret',
    'username',
    'app_name',
    'callback_url',
    'grant_types',
    'app_state',
    'user_access_token_expire_time',
    'app_access_token_expire_time',
    'refresh_token_expire_time',
  ],
  [TOKENS]: [
    'token_id',
    'access_token',
    'refresh_token',
    'consumer_key_id',
    'authz_user',
    'user_type',
    'grant_type',
    'time_created',
    'refresh_token_time_created',
    'validity_period',
    'refresh_token_validity_period',
    'token_state',
  ],
  [SCOPES]: ['token_id', 'token_scope'],
};
const OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  [APPS]: ['user_domain', 'tenant_id', 'pkce_mandatory', 'pkce_support_plain'],
  [TOKENS]: ['user_domain', 'access_token_hash', 'refresh_token_hash', 'authorized_organization'],
  [PROPERTIES]: ['consumer_key', 'property_key', 'property_value', 'tenant_id'],
  [SECRETS]: ['id', 'consumer_key_id', 'consumer_key', 'secret_hash', 'description', 'created_time', 'expiry_time'],
};

/** How far the source tables go, for progress. */
export interface SourceSize {
  apps: number;
  tokens: number;
}

/**
 * Reads a WSO2 Identity Server / API Manager database (PostgreSQL flavour of WSO2's schema), in pages by
 * primary key. Read-only: the pool it is given opens read-only transactions.
 */
export class Wso2SourceRepository {
  /** Whether the schema has IDN_OIDC_PROPERTY (where WSO2 keeps each app's token type). */
  readonly hasProperties: boolean;
  /** How IDN_OAUTH_CONSUMER_SECRETS refers to its app, or null without that table (WSO2 releases before several secrets). */
  readonly secretsLayout: 'consumer_key_id' | 'consumer_key' | null;
  /**
   * Consumer keys that more than one active app uses, with the tenants of those apps. WSO2's current DDL makes
   * consumer keys unique per tenant only (`CONSUMER_KEY_CONSTRAINT UNIQUE (TENANT_ID, CONSUMER_KEY)`); the Key
   * Manager has one namespace of client ids, so such a key cannot be imported for either app.
   */
  ambiguousConsumerKeys: ReadonlyMap<string, number[]> = new Map();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly columns: Map<string, Set<string>>,
  ) {
    const props = columns.get(PROPERTIES);
    this.hasProperties = props !== undefined && ['consumer_key', 'property_key', 'property_value'].every((c) => props.has(c));
    const secrets = columns.get(SECRETS);
    this.secretsLayout =
      secrets === undefined || !secrets.has('secret_id') || !secrets.has('secret_value')
        ? null
        : secrets.has('consumer_key_id')
          ? 'consumer_key_id'
          : secrets.has('consumer_key')
            ? 'consumer_key'
            : null;
  }

  /**
   * Checks that the schema holds WSO2's OAuth tables with the columns the import needs.
   * @throws CliError naming every missing table and column.
   */
  static async open(pool: pg.Pool, schema: string): Promise<Wso2SourceRepository> {
    const { rows } = await pool.query<{ table_name: string; column_name: string }>(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = ANY($2::text[])',
      [schema, [APPS, TOKENS, SCOPES, PROPERTIES, SECRETS]],
    );
    const columns = new Map<string, Set<string>>();
    for (const row of rows) {
      let set = columns.get(row.table_name);
      if (!set) columns.set(row.table_name, (set = new Set()));
      set.add(row.column_name);
    }
    const missing: string[] = [];
    for (const [table, required] of Object.entries(REQUIRED)) {
      const have = columns.get(table);
      if (!have) missing.push(`table ${table.toUpperCase()}`);
      else for (const c of required) if (!have.has(c)) missing.push(`${table.toUpperCase()}.${c.toUpperCase()}`);
    }
    if (missing.length > 0) {
      throw new CliError(
        `schema ${schema} of the source database is not a WSO2 identity database this import can read; missing: ${missing.join(', ')}. ` +
          'Check --source-url and --source-schema (WSO2 API Manager 3.x/4.x and Identity Server 5.x keep these tables in the shared or identity database)',
      );
    }
    const repository = new Wso2SourceRepository(pool, schema, columns);
    repository.ambiguousConsumerKeys = await repository.findAmbiguousConsumerKeys();
    return repository;
  }

  /** See {@link ambiguousConsumerKeys}: one grouped scan of the apps table, typically finding nothing. */
  private async findAmbiguousConsumerKeys(): Promise<Map<string, number[]>> {
    if (!this.has(APPS, 'tenant_id')) return new Map();
    const { rows } = await this.pool.query<{ consumer_key: string; tenants: number[] }>(
      `SELECT consumer_key, array_agg(DISTINCT tenant_id ORDER BY tenant_id) AS tenants FROM ${this.table(APPS)}
        WHERE upper(coalesce(app_state, 'ACTIVE')) = 'ACTIVE' GROUP BY consumer_key HAVING count(*) > 1`,
    );
    return new Map(rows.map((r) => [r.consumer_key, r.tenants]));
  }

  async size(): Promise<SourceSize> {
    const { rows } = await this.pool.query<{ apps: number; tokens: number }>(
      `SELECT (SELECT count(*)::int FROM ${this.table(APPS)}) AS apps, (SELECT count(*)::int FROM ${this.table(TOKENS)}) AS tokens`,
    );
    return rows[0] ?? { apps: 0, tokens: 0 };
  }

  /** Up to `limit` apps with ID above `afterId`, by ID. */
  async apps(afterId: number, limit: number): Promise<Wso2AppRow[]> {
    const a = (column: string) => this.optional(APPS, column, 'a');
    const property = (key: string) =>
      this.hasProperties
        ? `(SELECT max(p.property_value) FROM ${this.table(PROPERTIES)} p WHERE p.consumer_key = a.consumer_key AND p.property_key = '${key}'` +
          (this.has(PROPERTIES, 'tenant_id') && this.has(APPS, 'tenant_id') ? ' AND (p.tenant_id IS NULL OR a.tenant_id IS NULL OR p.tenant_id = a.tenant_id))' : ')')
        : 'NULL';
    // WSO2's OAuthAppDAO reads these CHAR(1) columns as !"0".equals(value): anything but '0', NULL included, is on.
    const flag = (column: string) => (this.has(APPS, column) ? `(${a(column)} IS DISTINCT FROM '0')` : 'false');
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT a.id::int AS id, a.consumer_key, a.consumer_secret, a.username, ${a('user_domain')} AS user_domain, ${a('tenant_id')}::int AS tenant_id,
              a.app_name, a.callback_url, a.grant_types, a.app_state,
              a.user_access_token_expire_time::float8 AS user_lifetime, a.app_access_token_expire_time::float8 AS app_lifetime,
              a.refresh_token_expire_time::float8 AS refresh_lifetime,
              ${property('tokenType')} AS token_type, ${property('bypassClientCredentials')} AS bypass,
              ${flag('pkce_mandatory')} AS pkce_mandatory, ${flag('pkce_support_plain')} AS pkce_support_plain
         FROM ${this.table(APPS)} a WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
      [afterId, limit],
    );
    const secrets = await this.secretsOf(rows.map((r) => r.id as number));
    return rows.map((r) => ({
      ...(this.secretsLayout ? { secrets: secrets.get(r.id as number) ?? [] } : {}),
      id: r.id as number,
      consumerKey: r.consumer_key as string,
      consumerSecret: r.consumer_secret as string | null,
      username: r.username as string | null,
      userDomain: r.user_domain as string | null,
      tenantId: r.tenant_id as number | null,
      appName: r.app_name as string | null,
      callbackUrl: r.callback_url as string | null,
      grantTypes: r.grant_types as string | null,
      appState: r.app_state as string | null,
      userAccessTokenExpireTime: r.user_lifetime as number | null,
      appAccessTokenExpireTime: r.app_lifetime as number | null,
      refreshTokenExpireTime: r.refresh_lifetime as number | null,
      tokenType: r.token_type as string | null,
      bypassClientCredentials: r.bypass as string | null,
      pkceMandatory: r.pkce_mandatory as boolean,
      pkceSupportPlain: r.pkce_support_plain as boolean,
    }));
  }

  /** Up to `limit` token rows with TOKEN_ID above `afterTokenId`, by TOKEN_ID, with their app's consumer key and their scopes. */
  async tokens(afterTokenId: string, limit: number): Promise<Wso2TokenRow[]> {
    const t = (column: string) => this.optional(TOKENS, column, 't');
    // TIMESTAMP columns without time zone: extract(epoch) reads them as UTC, which is how WSO2 writes them.
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT t.token_id, t.access_token, t.refresh_token, a.consumer_key, t.authz_user, ${t('user_domain')} AS user_domain, t.user_type,
              t.grant_type, (extract(epoch FROM t.time_created) * 1000)::float8 AS created,
              (extract(epoch FROM t.refresh_token_time_created) * 1000)::float8 AS refresh_created,
              t.validity_period::float8 AS validity, t.refresh_token_validity_period::float8 AS refresh_validity, t.token_state,
              ${t('access_token_hash')} AS access_hash, ${t('refresh_token_hash')} AS refresh_hash,
              ${t('authorized_organization')} AS organization
         FROM ${this.table(TOKENS)} t JOIN ${this.table(APPS)} a ON a.id = t.consumer_key_id
        WHERE t.token_id > $1 ORDER BY t.token_id LIMIT $2`,
      [afterTokenId, limit],
    );
    const scopes = new Map<string, string[]>();
    if (rows.length > 0) {
      const found = await this.pool.query<{ token_id: string; token_scope: string }>(
        `SELECT token_id, token_scope FROM ${this.table(SCOPES)} WHERE token_id = ANY($1::text[])`,
        [rows.map((r) => r.token_id as string)],
      );
      for (const s of found.rows) {
        const list = scopes.get(s.token_id);
        if (list) list.push(s.token_scope);
        else scopes.set(s.token_id, [s.token_scope]);
      }
    }
    return rows.map((r) => ({
      tokenId: r.token_id as string,
      accessToken: r.access_token as string | null,
      refreshToken: r.refresh_token as string | null,
      consumerKey: r.consumer_key as string,
      authzUser: r.authz_user as string | null,
      userDomain: r.user_domain as string | null,
      userType: r.user_type as string | null,
      grantType: r.grant_type as string | null,
      timeCreated: r.created as number | null,
      refreshTokenTimeCreated: r.refresh_created as number | null,
      validityPeriod: r.validity as number | null,
      refreshTokenValidityPeriod: r.refresh_validity as number | null,
      tokenState: r.token_state as string | null,
      accessTokenHash: r.access_hash as string | null,
      refreshTokenHash: r.refresh_hash as string | null,
      authorizedOrganization: r.organization as string | null,
      scopes: scopes.get(r.token_id as string) ?? [],
    }));
  }

  /**
   * The IDN_OAUTH_CONSUMER_SECRETS rows of these apps, oldest first. identity-inbound-auth-oauth's layout names
   * the app by its ID; API Manager's by its consumer key (ambiguous keys are refused before this matters).
   */
  private async secretsOf(appIds: number[]): Promise<Map<number, Wso2ConsumerSecretRow[]>> {
    const out = new Map<number, Wso2ConsumerSecretRow[]>();
    if (!this.secretsLayout || appIds.length === 0) return out;
    const s = (column: string) => this.optional(SECRETS, column, 's');
    const join = this.secretsLayout === 'consumer_key_id' ? 'a.id = s.consumer_key_id' : 'a.consumer_key = s.consumer_key';
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT a.id::int AS app_id, s.secret_id, s.secret_value, ${s('secret_hash')} AS secret_hash, ${s('description')} AS description,
              ${s('created_time')}::float8 AS created_time, ${s('expiry_time')}::float8 AS expiry_time
         FROM ${this.table(SECRETS)} s JOIN ${this.table(APPS)} a ON ${join}
        WHERE a.id = ANY($1::int[])
        ORDER BY a.id, coalesce(${s('created_time')}, 0), ${this.has(SECRETS, 'id') ? 's.id, ' : ''}s.secret_id`,
      [appIds],
    );
    for (const r of rows) {
      const list = out.get(r.app_id as number) ?? [];
      list.push({
        secretId: String(r.secret_id),
        value: r.secret_value as string,
        hash: r.secret_hash as string | null,
        description: r.description as string | null,
        createdTime: r.created_time as number | null,
        expiryTime: r.expiry_time as number | null,
      });
      out.set(r.app_id as number, list);
    }
    return out;
  }

  private table(name: string): string {
    return `${quoteIdentifier(this.schema)}.${quoteIdentifier(name)}`;
  }

  private has(table: string, column: string): boolean {
    return this.columns.get(table)?.has(column) === true;
  }

  /** The column when this WSO2 release has it, NULL otherwise. */
  private optional(table: string, column: string, alias: string): string {
    if (!OPTIONAL[table]?.includes(column)) throw new Error(`${table}.${column} is not an optional column`);
    return this.has(table, column) ? `${alias}.${quoteIdentifier(column)}` : 'NULL';
  }
}
