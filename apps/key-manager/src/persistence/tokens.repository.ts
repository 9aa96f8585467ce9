import { Injectable } from '@nestjs/common';
import type { ProtectedSecret } from '@app/crypto';
import { BusEvents, DEVPORTAL_CLIENT_ID, type PortalSessionsEndedEvent, type TokenTypeExtension } from '@app/contracts';
import { BusConnection } from '@app/platform';
import { BatchItemFailure, BatchLoader, BatchQueue } from './batch-queue.util.js';
import type { TokenState } from './entities/oauth-token.entity.js';
import { SqlService, type SqlTransaction } from './sql.service.js';

/** A token row to insert. Times are seconds since the epoch. */
export interface NewToken {
  id: string;
  clientId: string;
  username: string | null;
  scopes: string;
  tokenType: TokenTypeExtension;
  grantType: string;
  /** The opaque token, or the JWT's `jti`, protected. */
  access: ProtectedSecret;
  /** The access token's selector (@app/crypto token-selector.util); null for a token found by its hash only. */
  accessSelector: string | null;
  refresh: ProtectedSecret | null;
  refreshSelector: string | null;
  issuedAt: number;
  expiresAt: number;
  refreshExpiresAt: number | null;
  familyId: string;
  parentId: string | null;
  authorizationCodeId: string | null;
  signingKeyId: string | null;
  /** Epoch seconds: when the user signed in for this chain; null when unknown or for application tokens. */
  authTime: number | null;
}

/** A token row as the look-ups read it (no stored secret: look-ups go by hash). Times in epoch seconds. */
export interface TokenRecord {
  id: string;
  clientId: string;
  username: string | null;
  scopes: string;
  tokenType: TokenTypeExtension;
  grantType: string;
  accessTokenHash: string;
  refreshTokenHash: string | null;
  issuedAt: number;
  expiresAt: number;
  refreshExpiresAt: number | null;
  state: TokenState;
  familyId: string;
  signingKeyId: string | null;
  authTime: number | null;
}

interface TokenRow {
  id: string;
  client_id: string;
  username: string | null;
  scopes: string;
  token_type: TokenTypeExtension;
  grant_type: string;
  access_token_hash: string;
  refresh_token_hash: string | null;
  access_selector: string | null;
  refresh_selector: string | null;
  iat: number;
  exp: number;
  rexp: number | null;
  state: TokenState;
  family_id: string;
  signing_key_id: string | null;
  auth_time: number | null;
}

const COLUMNS = `id, client_id, username, scopes, token_type, grant_type, access_token_hash, refresh_token_hash,
  access_token_selector::text AS access_selector, refresh_token_selector::text AS refresh_selector,
  extract(epoch FROM issued_at)::float8 AS iat, extract(epoch FROM expires_at)::float8 AS exp,
  extract(epoch FROM refresh_expires_at)::float8 AS rexp, state, family_id, signing_key_id,
  extract(epoch FROM auth_time)::float8 AS auth_time`;

const BY_SELECTOR = `access_token_selector = ANY($1::uuid[]) OR refresh_token_selector = ANY($1::uuid[])`;
const BY_HASH = `(access_token_selector IS NULL AND access_token_hash = ANY($2::text[]))
             OR (refresh_token_selector IS NULL AND refresh_token_hash = ANY($2::text[]))`;

/**
 * The token loader's look-ups (exported for bench/table-size's EXPLAIN and the selector spec): tokens with a
 * selector by it ($1), the others by their hash ($2). Each hash branch says `…_selector IS NULL`, the predicate
 * of the partial hash indexes that rows with selectors are kept out of (token-hash-indexes.ts), so
 * PostgreSQL can use them. One statement per combination, not one with an empty array: an arm that is false
 * for every row (`= ANY('{}')`) would let the planner pick any partial index for it, even a whole one to scan.
 */
export const LOAD_TOKENS = {
  /** $1: selectors. */
  bySelector: { name: 'km_load_tokens_s', text: `SELECT ${COLUMNS} FROM oauth_tokens WHERE ${BY_SELECTOR}` },
  /** $1: hashes. */
  byHash: { name: 'km_load_tokens_h', text: `SELECT ${COLUMNS} FROM oauth_tokens WHERE ${BY_HASH.replaceAll('$2', '$1')}` },
  /** $1: selectors, $2: hashes. */
  both: { name: 'km_load_tokens_sh', text: `SELECT ${COLUMNS} FROM oauth_tokens WHERE ${BY_SELECTOR} OR ${BY_HASH}` },
} as const;

/** The look-up and its parameters for a batch of selectors and hashes (either may be empty, not both). */
export function loadTokensQuery(selectors: string[], hashes: string[]): { statement: { name: string; text: string }; values: unknown[] } {
  if (hashes.length === 0) return { statement: LOAD_TOKENS.bySelector, values: [selectors] };
  if (selectors.length === 0) return { statement: LOAD_TOKENS.byHash, values: [hashes] };
  return { statement: LOAD_TOKENS.both, values: [selectors, hashes] };
}

/** The loader's key for a presented token: its selector when it has one, else its hash. */
function loaderKey(selector: string | null, hash: string): string {
  return selector === null ? `h:${hash}` : `s:${selector}`;
}

// One statement for any number of rows. Everything but the stored secrets travels as one JSON document per
// batch: PostgreSQL reads it faster than text[] literals, whose parser walks every character for quoting. The
// stored secrets — WSO2's ~600-character ciphertexts, most of each row's bytes — travel beside it, one text
// parameter per column joined by a separator no stored value holds, and are cut apart with `string_to_table`,
// which only looks for the separator, where the JSON lexer would examine every character of each value
// (`npm run bench:batch-parameters`: rows/s of each way, and PostgreSQL's CPU per row). `ROWS FROM` zips the
// three row sources in order.
export const STORED_SEPARATOR = '\x1f';
export const INSERT_TOKENS = {
  name: 'km_insert_tokens',
  text: `INSERT INTO oauth_tokens (id, client_id, username, scopes, token_type, grant_type, access_token, access_token_scheme,
           access_token_hash, access_token_selector, refresh_token, refresh_token_scheme, refresh_token_hash, refresh_token_selector,
           issued_at, expires_at, refresh_expires_at, family_id, parent_id, authorization_code_id, signing_key_id, auth_time)
         SELECT id, client_id, username, scopes, token_type, grant_type, a, a_scheme, a_hash, a_sel, r, r_scheme, r_hash, r_sel,
                to_timestamp(iat), to_timestamp(exp), to_timestamp(rexp), family_id, parent_id, code_id, kid, to_timestamp(auth_time)
           FROM ROWS FROM (
                  json_to_recordset($1::json)
                    AS (id uuid, client_id text, username text, scopes text, token_type text, grant_type text, a_scheme text,
                        a_hash text, a_sel uuid, r_scheme text, r_hash text, r_sel uuid, iat float8, exp float8, rexp float8,
                        family_id uuid, parent_id uuid, code_id uuid, kid text, auth_time float8),
                  string_to_table($2, E'\\x1f'),
                  string_to_table($3, E'\\x1f', '')
                ) AS t(id, client_id, username, scopes, token_type, grant_type, a_scheme, a_hash, a_sel, r_scheme, r_hash, r_sel,
                       iat, exp, rexp, family_id, parent_id, code_id, kid, auth_time, a, r)`,
};

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    username: row.username,
    scopes: row.scopes,
    tokenType: row.token_type,
    grantType: row.grant_type,
    accessTokenHash: row.access_token_hash,
    refreshTokenHash: row.refresh_token_hash,
    issuedAt: Math.floor(row.iat),
    expiresAt: Math.floor(row.exp),
    refreshExpiresAt: row.rexp === null ? null : Math.floor(row.rexp),
    state: row.state,
    familyId: row.family_id,
    signingKeyId: row.signing_key_id,
    authTime: row.auth_time === null ? null : Math.floor(row.auth_time),
  };
}

/** One column's stored values for {@link INSERT_TOKENS}: joined by the separator (a missing value as ''). */
function joinStored(values: ReadonlyArray<string | undefined>): string {
  for (const value of values) {
    // Stored values are Base64, Base64url, UUIDs or WSO2's hash JSON: never empty, never a control character.
    if (value === '' || value?.includes(STORED_SEPARATOR)) throw new Error('a stored token value is empty or holds the batch separator');
  }
  return values.map((value) => value ?? '').join(STORED_SEPARATOR);
}

/** The token INSERT's parameters for a batch of rows (exported for bench/key-manager's issuance-work). */
export function insertParameters(rows: readonly NewToken[]): [string, string, string] {
  return [
    JSON.stringify(
      rows.map((t) => ({
        id: t.id,
        client_id: t.clientId,
        username: t.username,
        scopes: t.scopes,
        token_type: t.tokenType,
        grant_type: t.grantType,
        a_scheme: t.access.scheme,
        a_hash: t.access.hash,
        a_sel: t.accessSelector,
        r_scheme: t.refresh?.scheme ?? null,
        r_hash: t.refresh?.hash ?? null,
        r_sel: t.refreshSelector,
        iat: t.issuedAt,
        exp: t.expiresAt,
        rexp: t.refreshExpiresAt,
        family_id: t.familyId,
        parent_id: t.parentId,
        code_id: t.authorizationCodeId,
        kid: t.signingKeyId,
        auth_time: t.authTime,
      })),
    ),
    joinStored(rows.map((t) => t.access.stored)),
    joinStored(rows.map((t) => t.refresh?.stored)),
  ];
}

/** What a state change returns of each row it ended. */
interface EndedRow {
  client_id: string;
  username: string | null;
}

const ENDED = 'RETURNING client_id, username';

/**
 * Tokens: batched inserts (a caller's promise resolves only once its row is committed) and batched
 * look-ups by hash, plus the state changes of rotation and revocation. Every state change that ends portal
 * log-in tokens is announced on the bus ({@link BusEvents.PortalSessionsEnded}), so no portal instance
 * keeps accepting them from its validation cache.
 */
@Injectable()
export class TokensRepository {
  private readonly writer: BatchQueue<NewToken, void>;
  private readonly loader: BatchLoader<string, TokenRecord>;

  constructor(
    private readonly sql: SqlService,
    private readonly bus: BusConnection,
  ) {
    this.writer = new BatchQueue<NewToken, void>(
      async (rows) => {
        try {
          await sql.query(INSERT_TOKENS, insertParameters(rows));
          return rows.map(() => undefined);
        } catch (error) {
          if (rows.length === 1) throw error;
          // One bad row (e.g. its client was deleted meanwhile) must not fail the others: retry one by one.
          return Promise.all(rows.map((row) => sql.query(INSERT_TOKENS, insertParameters([row])).then(() => undefined, (e: unknown) => new BatchItemFailure(e))));
        }
      },
      { maxBatch: 500, maxInFlight: 8 },
    );
    this.loader = new BatchLoader(
      async (keys) => {
        const selectors: string[] = [];
        const hashes: string[] = [];
        for (const key of keys) (key.startsWith('s:') ? selectors : hashes).push(key.slice(2));
        const { statement, values } = loadTokensQuery(selectors, hashes);
        const rows = await sql.query<TokenRow>(statement, values);
        const found = new Map<string, TokenRecord>();
        for (const row of rows) {
          const record = toRecord(row);
          found.set(loaderKey(row.access_selector, row.access_token_hash), record);
          if (row.refresh_token_hash !== null) found.set(loaderKey(row.refresh_selector, row.refresh_token_hash), record);
        }
        return found;
      },
      { maxBatch: 256, maxInFlight: 4 },
    );
  }

  /** Inserts a token row; resolves once it is committed. */
  insert(token: NewToken): Promise<void> {
    return this.writer.submit(token);
  }

  /**
   * The row a presented token names, as it is now: by the token's selector when it has one, else by its hash
   * among the rows without one. Found by selector, the row is not yet proof of the token: the caller checks
   * the token's hash against the row's.
   */
  find(selector: string | null, hash: string): Promise<TokenRecord | undefined> {
    return this.loader.load(loaderKey(selector, hash));
  }

  /**
   * Refresh-token rotation in one transaction: the old row becomes INACTIVE (its access and refresh token
   * stop working) and the new row is inserted. False when the old row was no longer ACTIVE — a concurrent
   * use of the same refresh token got there first.
   */
  async rotate(oldId: string, next: NewToken): Promise<boolean> {
    const updated = await this.sql.transaction(async (tx) => {
      const rows = await tx.query<EndedRow>(`UPDATE oauth_tokens SET state = 'INACTIVE' WHERE id = $1 AND state = 'ACTIVE' ${ENDED}`, [oldId]);
      if (rows.length > 0) await tx.query(INSERT_TOKENS, insertParameters([next]));
      return rows;
    });
    return this.ended(updated);
  }

  /** Revokes every still-usable row of a chain (reuse of a rotated refresh token). */
  async revokeFamily(familyId: string): Promise<number> {
    const rows = await this.sql.query<EndedRow>(`UPDATE oauth_tokens SET state = 'REVOKED', revoked_at = now() WHERE family_id = $1 AND state = 'ACTIVE' ${ENDED}`, [familyId]);
    this.ended(rows);
    return rows.length;
  }

  /** Revokes every chain that started from one authorization code (the code was replayed). */
  async revokeIssuedFromCode(codeId: string, tx?: SqlTransaction): Promise<number> {
    const run = tx ?? this.sql;
    const rows = await run.query<EndedRow>(
      `UPDATE oauth_tokens SET state = 'REVOKED', revoked_at = now()
        WHERE state = 'ACTIVE' AND family_id IN (SELECT family_id FROM oauth_tokens WHERE authorization_code_id = $1) ${ENDED}`,
      [codeId],
    );
    // Inside the caller's transaction: announced before its COMMIT, so a portal may re-validate (and
    // cache) a token just before it ends; its cache TTL still bounds that.
    this.ended(rows);
    return rows.length;
  }

  /** Revokes one row (its access and refresh token); false when it was not ACTIVE. */
  async revoke(id: string): Promise<boolean> {
    const rows = await this.sql.query<EndedRow>(`UPDATE oauth_tokens SET state = 'REVOKED', revoked_at = now() WHERE id = $1 AND state = 'ACTIVE' ${ENDED}`, [id]);
    this.ended(rows);
    return rows.length > 0;
  }

  /** Revokes every still-usable token of a client. */
  async revokeAllOfClient(clientId: string): Promise<number> {
    const rows = await this.sql.query<EndedRow>(
      `UPDATE oauth_tokens SET state = 'REVOKED', revoked_at = now()
        WHERE client_id = $1 AND state = 'ACTIVE' AND (expires_at > now() OR refresh_expires_at > now()) ${ENDED}`,
      [clientId],
    );
    this.ended(rows);
    return rows.length;
  }

  /** Announces the users whose portal log-in tokens these rows were; false when there were none. */
  private ended(rows: EndedRow[]): boolean {
    if (rows.length === 0) return false;
    const usernames = [...new Set(rows.filter((r) => r.client_id === DEVPORTAL_CLIENT_ID && r.username !== null).map((r) => r.username as string))];
    if (usernames.length > 0) this.bus.publish(BusEvents.PortalSessionsEnded, { usernames } satisfies PortalSessionsEndedEvent);
    return true;
  }
}
