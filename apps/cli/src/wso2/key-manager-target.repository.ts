import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { TokenTypeExtension } from '@app/contracts';
import { CliError } from '../cli.error.js';
import type { ImportedClient, ImportedToken } from './wso2-import.types.js';

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The Key Manager's tables, written the way the Key Manager writes them (apps/key-manager persistence: same
 * columns, same meaning), each batch in one transaction. Inserts never overwrite: a row whose client id or
 * hash is already there is left as it is and reported back as not inserted.
 */
export class KeyManagerTargetRepository {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  /**
   * @throws CliError when the Key Manager has not created its schema yet.
   */
  static async open(pool: pg.Pool, schema: string): Promise<KeyManagerTargetRepository> {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('oauth_clients', 'oauth_tokens')`,
      [schema],
    );
    if ((rows[0]?.n ?? 0) < 2) {
      throw new CliError(`the Key Manager's tables do not exist in schema ${schema} yet: start the Key Manager once with this deployment.toml (it creates them), then run the import again`);
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

  /** Which of these access-token lookup hashes exist. */
  async existingAccessHashes(hashes: readonly string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const { rows } = await this.pool.query<{ h: string }>(`SELECT access_token_hash AS h FROM ${this.table('oauth_tokens')} WHERE access_token_hash = ANY($1::text[])`, [hashes]);
    return new Set(rows.map((r) => r.h));
  }

  /** Inserts the clients in one transaction; returns the client ids actually inserted. */
  async insertClients(clients: readonly ImportedClient[]): Promise<Set<string>> {
    if (clients.length === 0) return new Set();
    const col = <T>(pick: (c: ImportedClient) => T) => clients.map(pick);
    const rows = await this.inTransaction((client) =>
      client.query<{ client_id: string }>(
        `INSERT INTO ${this.table('oauth_clients')} (id, client_id, client_secret, client_secret_scheme, client_secret_hash, client_name, owner,
                grant_types, redirect_uris, token_type, application_token_lifetime, user_token_lifetime, refresh_token_lifetime,
                public_client, resource_server, created_at, updated_at)
         SELECT u.id, u.client_id, u.secret, u.scheme, u.hash, u.name, u.owner,
                ARRAY(SELECT jsonb_array_elements_text(u.grants::jsonb)), ARRAY(SELECT jsonb_array_elements_text(u.uris::jsonb)),
                u.token_type, u.app_lifetime, u.user_lifetime, u.refresh_lifetime, u.public_client, false, now(), now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                       $10::text[], $11::int[], $12::int[], $13::int[], $14::bool[])
             AS u(id, client_id, secret, scheme, hash, name, owner, grants, uris, token_type, app_lifetime, user_lifetime, refresh_lifetime, public_client)
         ON CONFLICT DO NOTHING
         RETURNING client_id`,
        [
          col(() => randomUUID()),
          col((c) => c.clientId),
          col((c) => c.secret?.stored ?? null),
          col((c) => c.secret?.scheme ?? null),
          col((c) => c.secret?.hash ?? null),
          col((c) => c.clientName),
          col((c) => c.owner),
          col((c) => JSON.stringify(c.grantTypes)),
          col((c) => JSON.stringify(c.redirectUris)),
          col((c) => c.tokenType),
          col((c) => c.applicationTokenLifetime),
          col((c) => c.userTokenLifetime),
          col((c) => c.refreshTokenLifetime),
          col((c) => c.publicClient),
        ],
      ),
    );
    return new Set(rows.map((r) => r.client_id));
  }

  /**
   * Inserts the token rows in one transaction, each with a fresh id and chain (`family_id`): WSO2 keeps no
   * chains, so each imported row starts its own. A row whose client is not here is not inserted. Returns the
   * access-token hashes actually inserted.
   */
  async insertTokens(tokens: readonly ImportedToken[]): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const col = <T>(pick: (t: ImportedToken) => T) => tokens.map(pick);
    const rows = await this.inTransaction((client) =>
      client.query<{ h: string }>(
        `INSERT INTO ${this.table('oauth_tokens')} (id, client_id, username, scopes, token_type, grant_type, access_token, access_token_scheme,
                access_token_hash, refresh_token, refresh_token_scheme, refresh_token_hash, issued_at, expires_at, refresh_expires_at,
                revoked_at, state, family_id)
         SELECT u.id, u.client_id, u.username, u.scopes, u.token_type, u.grant_type, u.a, u.a_scheme, u.a_hash, u.r, u.r_scheme, u.r_hash,
                to_timestamp(u.iat), to_timestamp(u.exp), to_timestamp(u.rexp), to_timestamp(u.rev), u.state, u.family_id
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                       $10::text[], $11::text[], $12::text[], $13::float8[], $14::float8[], $15::float8[], $16::float8[], $17::text[], $18::uuid[])
             AS u(id, client_id, username, scopes, token_type, grant_type, a, a_scheme, a_hash, r, r_scheme, r_hash, iat, exp, rexp, rev, state, family_id)
          WHERE EXISTS (SELECT 1 FROM ${this.table('oauth_clients')} c WHERE c.client_id = u.client_id)
         ON CONFLICT DO NOTHING
         RETURNING access_token_hash AS h`,
        [
          col(() => randomUUID()),
          col((t) => t.clientId),
          col((t) => t.username),
          col((t) => t.scopes),
          col((t) => t.tokenType),
          col((t) => t.grantType),
          col((t) => t.access.stored),
          col((t) => t.access.scheme),
          col((t) => t.access.hash),
          col((t) => t.refresh?.stored ?? null),
          col((t) => t.refresh?.scheme ?? null),
          col((t) => t.refresh?.hash ?? null),
          col((t) => t.issuedAt),
          col((t) => t.expiresAt),
          col((t) => t.refreshExpiresAt),
          col((t) => t.revokedAt),
          col((t) => t.state),
          col(() => randomUUID()),
        ],
      ),
    );
    return new Set(rows.map((r) => r.h));
  }

  private table(name: string): string {
    return `${ident(this.schema)}.${ident(name)}`;
  }

  private async inTransaction<R extends pg.QueryResultRow>(work: (client: pg.PoolClient) => Promise<pg.QueryResult<R>>): Promise<R[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result.rows;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
}
