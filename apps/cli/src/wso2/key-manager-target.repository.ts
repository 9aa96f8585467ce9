import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { TokenTypeExtension } from '@app/contracts';
import { quoteIdentifier } from '@app/platform';
import { CliError } from '../cli.error.js';
import { tokenSelectorsExist } from '../deployment/cli-deployment.js';
import type { ImportedClient, ImportedToken } from './wso2-import.types.js';

/**
 * An access token as the Key Manager finds its row (apps/key-manager tokens.repository, LOAD_TOKENS): by its
 * selector when it has one, else by its hash among the rows without a selector.
 */
export interface AccessTokenKey {
  hash: string;
  selector: string | null;
}

/**
 * The Key Manager's tables, written the way the Key Manager writes them (apps/key-manager persistence: same
 * columns, same meaning, each batch one statement reading one JSON document). Inserts never overwrite: a row whose client id or
 * hash is already there is left as it is and reported back as not inserted.
 */
export class KeyManagerTargetRepository {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  /**
   * @throws CliError when the Key Manager has not created its schema yet, or one of an older release has (its
   * tokens have no selector columns).
   */
  static async open(pool: pg.Pool, schema: string): Promise<KeyManagerTargetRepository> {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('oauth_clients', 'oauth_tokens', 'oauth_client_secrets')`,
      [schema],
    );
    if ((rows[0]?.n ?? 0) < 3 || !(await tokenSelectorsExist(pool, schema))) {
      throw new CliError(
        `the Key Manager's tables do not exist in schema ${schema} yet (or are those of an older release): start the Key Manager once with this deployment.toml (it creates them), then run the import again`,
      );
    }
    return new KeyManagerTargetRepository(pool, schema);
  }

  /** Which of these clients exist here, with the token type each is registered with. */
  async clientTokenTypes(clientIds: readonly string[]): Promise<Map<string, TokenTypeExtension>> {
    if (clientIds.length === 0) return new Map();
    const { rows } = await this.pool.query<{ client_id: string; token_type: TokenTypeExtension }>(
      `SELECT client_id, token_type FROM ${this.table('oauth_clients')} WHERE client_id = ANY($1::text[])`,
      [clientIds],
    );
    return new Map(rows.map((r) => [r.client_id, r.token_type]));
  }

  /**
   * The access-token lookup hashes of the rows these tokens name: a token with a selector names the row of
   * that selector, one without names the row without a selector that has its hash (the only rows the hash
   * indexes hold once narrowed: apps/key-manager token-hash-indexes.ts). Each branch is one an index serves,
   * the full hash index or the narrowed one alike. The caller compares the hashes returned with its own: a
   * row found by a token's selector but of another hash is not that token's.
   */
  async existingAccessHashes(tokens: readonly AccessTokenKey[]): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const selectors = tokens.flatMap((t) => (t.selector === null ? [] : [t.selector]));
    const hashes = tokens.flatMap((t) => (t.selector === null ? [t.hash] : []));
    // Only the arms with values: an arm false for every row (`= ANY('{}')`) lets the planner pick any partial
    // index for it, even one to scan whole (as the Key Manager's loadTokensQuery avoids too).
    const parameters: unknown[] = [];
    const arms: string[] = [];
    if (selectors.length > 0) arms.push(`access_token_selector = ANY($${parameters.push(selectors)}::uuid[])`);
    if (hashes.length > 0) arms.push(`(access_token_selector IS NULL AND access_token_hash = ANY($${parameters.push(hashes)}::text[]))`);
    const { rows } = await this.pool.query<{ h: string }>(`SELECT access_token_hash AS h FROM ${this.table('oauth_tokens')} WHERE ${arms.join(' OR ')}`, parameters);
    return new Set(rows.map((r) => r.h));
  }

  /** Inserts the clients (one statement); returns the client ids actually inserted. */
  async insertClients(clients: readonly ImportedClient[]): Promise<Set<string>> {
    if (clients.length === 0) return new Set();
    // One statement: a client and its other secrets (WSO2's IDN_OAUTH_CONSUMER_SECRETS) are inserted together or not at all.
    const { rows } = await this.pool.query<{ client_id: string }>(
      `WITH inserted AS (
       INSERT INTO ${this.table('oauth_clients')} (id, client_id, client_secret, client_secret_scheme, client_secret_hash, client_secret_id,
              client_secret_created_at, client_name, owner, grant_types, redirect_uris, token_type, application_token_lifetime,
              user_token_lifetime, refresh_token_lifetime, public_client, pkce_mandatory, pkce_support_plain, resource_server, created_at, updated_at)
       SELECT u.id, u.client_id, u.secret, u.scheme, u.hash, CASE WHEN u.secret IS NULL THEN NULL ELSE coalesce(u.secret_id, gen_random_uuid()) END,
              CASE WHEN u.secret IS NULL THEN NULL ELSE coalesce(to_timestamp(u.secret_created / 1000), now()) END,
              u.name, u.owner, u.grants, u.uris, u.token_type, u.app_lifetime, u.user_lifetime, u.refresh_lifetime, u.public_client,
              u.pkce_mandatory, u.pkce_support_plain, false, now(), now()
         FROM json_to_recordset($1::json)
           AS u(id uuid, client_id text, secret text, scheme text, hash text, secret_id uuid, secret_created float8, name text, owner text,
                grants text[], uris text[], token_type text, app_lifetime int, user_lifetime int, refresh_lifetime int, public_client bool,
                pkce_mandatory bool, pkce_support_plain bool)
       ON CONFLICT DO NOTHING
       RETURNING client_id
       ), secrets AS (
         INSERT INTO ${this.table('oauth_client_secrets')} (id, client_id, secret, secret_scheme, secret_hash, description, expires_at, created_at)
         SELECT s.id, s.client_id, s.secret, s.scheme, s.hash, s.description, to_timestamp(s.expires / 1000), coalesce(to_timestamp(s.created / 1000), now())
           FROM json_to_recordset($2::json)
             AS s(id uuid, client_id text, secret text, scheme text, hash text, description text, expires float8, created float8)
          WHERE s.client_id IN (SELECT client_id FROM inserted)
         ON CONFLICT DO NOTHING
       )
       SELECT client_id FROM inserted`,
      [
        JSON.stringify(
          clients.map((c) => ({
            id: randomUUID(),
            client_id: c.clientId,
            secret: c.secret?.stored ?? null,
            scheme: c.secret?.scheme ?? null,
            hash: c.secret?.hash ?? null,
            name: c.clientName,
            owner: c.owner,
            grants: c.grantTypes,
            uris: c.redirectUris,
            token_type: c.tokenType,
            app_lifetime: c.applicationTokenLifetime,
            user_lifetime: c.userTokenLifetime,
            refresh_lifetime: c.refreshTokenLifetime,
            public_client: c.publicClient,
            pkce_mandatory: c.pkceMandatory,
            pkce_support_plain: c.pkceSupportPlain,
            secret_id: c.secretId ?? null,
            secret_created: c.secretCreatedAt ?? null,
          })),
        ),
        JSON.stringify(
          clients.flatMap((c) =>
            (c.addedSecrets ?? []).map((s) => ({
              id: s.id,
              client_id: c.clientId,
              secret: s.secret.stored,
              scheme: s.secret.scheme,
              hash: s.secret.hash,
              description: s.description,
              expires: s.expiresAt,
              created: s.createdAt,
            })),
          ),
        ),
      ],
    );
    return new Set(rows.map((r) => r.client_id));
  }

  /**
   * Inserts the token rows (one statement), each with a fresh id and chain (`family_id`) and the selectors of
   * its tokens (null for those found by their hash): WSO2 keeps no chains, so each imported row starts its own.
   * A row whose client is not here, or whose token (by hash or selector) is, is not inserted: `ON CONFLICT DO
   * NOTHING` without a target skips a row that any unique index refuses, the partial ones too. Returns the
   * access-token hashes actually inserted.
   *
   * The scopes of the inserted tokens are added to their clients' registered scopes (`oauth_clients.scopes`):
   * WSO2 granted them to that client (its scope issuer checked its APIs' scopes and the user's roles, which
   * are not imported), so its refresh tokens and its new token requests keep them here.
   */
  async insertTokens(tokens: readonly ImportedToken[]): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const { rows } = await this.pool.query<{ h: string }>(
      `WITH inserted AS (
       INSERT INTO ${this.table('oauth_tokens')} (id, client_id, username, scopes, token_type, grant_type, access_token, access_token_scheme,
              access_token_hash, access_token_selector, refresh_token, refresh_token_scheme, refresh_token_hash, refresh_token_selector,
              issued_at, expires_at, refresh_expires_at, revoked_at, state, family_id)
       SELECT u.id, u.client_id, u.username, u.scopes, u.token_type, u.grant_type, u.a, u.a_scheme, u.a_hash, u.a_sel, u.r, u.r_scheme, u.r_hash,
              u.r_sel, to_timestamp(u.iat), to_timestamp(u.exp), to_timestamp(u.rexp), to_timestamp(u.rev), u.state, u.family_id
         FROM json_to_recordset($1::json)
           AS u(id uuid, client_id text, username text, scopes text, token_type text, grant_type text, a text, a_scheme text, a_hash text,
                a_sel uuid, r text, r_scheme text, r_hash text, r_sel uuid, iat float8, exp float8, rexp float8, rev float8, state text,
                family_id uuid)
        WHERE EXISTS (SELECT 1 FROM ${this.table('oauth_clients')} c WHERE c.client_id = u.client_id)
       ON CONFLICT DO NOTHING
       RETURNING client_id, scopes, access_token_hash
       ), granted AS (
         SELECT i.client_id, array_agg(DISTINCT s) AS scopes
           FROM inserted i, unnest(string_to_array(i.scopes, ' ')) AS s
          WHERE s <> '' AND s <> 'default'
          GROUP BY i.client_id
       ), registered AS (
         UPDATE ${this.table('oauth_clients')} c
            SET scopes = ARRAY(SELECT DISTINCT x FROM unnest(c.scopes || g.scopes) AS x ORDER BY x)
           FROM granted g
          WHERE c.client_id = g.client_id
       )
       SELECT access_token_hash AS h FROM inserted`,
      [
        JSON.stringify(
          tokens.map((t) => ({
            id: randomUUID(),
            client_id: t.clientId,
            username: t.username,
            scopes: t.scopes,
            token_type: t.tokenType,
            grant_type: t.grantType,
            a: t.access.stored,
            a_scheme: t.access.scheme,
            a_hash: t.access.hash,
            a_sel: t.accessSelector,
            r: t.refresh?.stored ?? null,
            r_scheme: t.refresh?.scheme ?? null,
            r_hash: t.refresh?.hash ?? null,
            r_sel: t.refreshSelector,
            iat: t.issuedAt,
            exp: t.expiresAt,
            rexp: t.refreshExpiresAt,
            rev: t.revokedAt,
            state: t.state,
            family_id: randomUUID(),
          })),
        ),
      ],
    );
    return new Set(rows.map((r) => r.h));
  }

  private table(name: string): string {
    return `${quoteIdentifier(this.schema)}.${quoteIdentifier(name)}`;
  }
}
