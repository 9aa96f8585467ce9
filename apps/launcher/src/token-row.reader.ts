import { createHash } from 'node:crypto';
import pg from 'pg';
import { decodeStoredValue, selectorOfJti, selectorOfSecret } from '@app/crypto';
import { jwtClaims } from './demo-output.formatter.js';

/** One row of the Key Manager's token table, as stored, and what its stored value is. */
export interface StoredTokenRow {
  /**
   * How the row was found: by the selector of the token (or of its `jti`) and then its lookup hash checked,
   * by the lookup hash of a token without a selector, or as the client's latest.
   */
  foundBy: 'selector of the token' | 'selector of its jti' | 'hash of the token' | 'hash of its jti' | 'latest row of the client';
  accessToken: string;
  accessTokenScheme: string;
  accessTokenHash: string;
  /** The token's selector (@app/crypto token-selector.util), null for a token found by its hash. */
  accessTokenSelector: string | null;
  state: string;
  /** WSO2 format of the stored value, with its transformation and key thumbprint when it is a self-contained one. */
  format: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function describeFormat(stored: string, scheme: string): string {
  if (scheme === 'plain') return 'plain text (encryption is off)';
  try {
    const decoded = decodeStoredValue(stored);
    if (decoded.format === 'wso2-rsa-self-contained') return `${decoded.format}: {c: ${decoded.ciphertext.length}-byte RSA ciphertext, t: ${decoded.transformation}, tp: ${decoded.thumbprint}}`;
    if (decoded.format === 'wso2-aes-gcm-self-contained') return `${decoded.format}: {iv, ${decoded.ciphertextAndTag.length}-byte ciphertext+tag}`;
    return `${decoded.format}: ${decoded.ciphertext.length}-byte RSA ciphertext`;
  } catch {
    return 'not a WSO2 stored value';
  }
}

/**
 * Reads the row that stores `token` in `<schema>.oauth_tokens` as the Key Manager itself finds it: the token,
 * or its `jti` when the token is a JWT (what the Key Manager stores for JWTs), by its selector when it has one
 * (and the row's hash then checked against it), else by its hash among the rows without a selector — the
 * rows the hash indexes hold once narrowed.
 */
export async function readTokenRow(databaseUrl: string, schema: string, clientId: string, token: string): Promise<StoredTokenRow | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const table = `${client.escapeIdentifier(schema)}.oauth_tokens`;
    const columns = 'access_token, access_token_scheme, access_token_hash, access_token_selector::text AS access_token_selector, state';
    const jti = jwtClaims(token)?.['jti'];
    const candidates: [StoredTokenRow['foundBy'], StoredTokenRow['foundBy'], string, string | null][] = [['selector of the token', 'hash of the token', token, selectorOfSecret(token)]];
    if (typeof jti === 'string') candidates.push(['selector of its jti', 'hash of its jti', jti, selectorOfJti(jti)]);
    for (const [bySelector, byHash, secret, selector] of candidates) {
      const hash = sha256(secret);
      const { rows } =
        selector === null
          ? await client.query(`SELECT ${columns} FROM ${table} WHERE access_token_selector IS NULL AND access_token_hash = $1`, [hash])
          : await client.query(`SELECT ${columns} FROM ${table} WHERE access_token_selector = $1`, [selector]);
      // Found by its selector, the row is the token's only if it has the token's hash (as the Key Manager checks).
      if (rows[0] && rows[0]['access_token_hash'] === hash) return toRow(selector === null ? byHash : bySelector, rows[0]);
    }
    const { rows } = await client.query(`SELECT ${columns} FROM ${table} WHERE client_id = $1 ORDER BY issued_at DESC LIMIT 1`, [clientId]);
    return rows[0] ? toRow('latest row of the client', rows[0]) : undefined;
  } finally {
    await client.end();
  }
}

/** The scheme of a client's stored consumer secret (`<schema>.oauth_clients`). */
export async function readClientSecretScheme(databaseUrl: string, schema: string, clientId: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT client_secret_scheme FROM ${client.escapeIdentifier(schema)}.oauth_clients WHERE client_id = $1`, [clientId]);
    return rows[0]?.client_secret_scheme ?? undefined;
  } finally {
    await client.end();
  }
}

function toRow(foundBy: StoredTokenRow['foundBy'], row: Record<string, string>): StoredTokenRow {
  return {
    foundBy,
    accessToken: row['access_token']!,
    accessTokenScheme: row['access_token_scheme']!,
    accessTokenHash: row['access_token_hash']!,
    accessTokenSelector: row['access_token_selector'] ?? null,
    state: row['state']!,
    format: describeFormat(row['access_token']!, row['access_token_scheme']!),
  };
}
