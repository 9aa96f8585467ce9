import { Injectable } from '@nestjs/common';
import type { ProtectedSecret } from '@app/crypto';
import { SqlService } from './sql.service.js';

export interface NewAuthorizationCode {
  id: string;
  code: ProtectedSecret;
  clientId: string;
  username: string;
  redirectUri: string;
  redirectUriInRequest: boolean;
  scopes: string;
  codeChallenge: string | null;
  /** OIDC `nonce` of the authorization request; null without one. */
  nonce: string | null;
  /** Epoch seconds: when the user signed in; issuedAt and expiresAt too. */
  authTime: number;
  issuedAt: number;
  expiresAt: number;
}

/** A code as redeeming it needs it (no stored code: redemption goes by hash). Times in epoch seconds. */
export interface AuthorizationCodeRecord {
  id: string;
  clientId: string;
  username: string;
  redirectUri: string;
  redirectUriInRequest: boolean;
  scopes: string;
  codeChallenge: string | null;
  nonce: string | null;
  /** Null for codes written before OpenID Connect support. */
  authTime: number | null;
  expiresAt: number;
  used: boolean;
}

interface CodeRow {
  id: string;
  client_id: string;
  username: string;
  redirect_uri: string;
  redirect_uri_in_request: boolean;
  scopes: string;
  code_challenge: string | null;
  nonce: string | null;
  auth_time: number | null;
  exp: number;
  used: boolean;
}

const COLUMNS = `id, client_id, username, redirect_uri, redirect_uri_in_request, scopes, code_challenge, nonce,
  extract(epoch FROM auth_time)::float8 AS auth_time, extract(epoch FROM expires_at)::float8 AS exp`;

function toRecord(row: CodeRow): AuthorizationCodeRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    username: row.username,
    redirectUri: row.redirect_uri,
    redirectUriInRequest: row.redirect_uri_in_request,
    scopes: row.scopes,
    codeChallenge: row.code_challenge,
    nonce: row.nonce,
    authTime: row.auth_time === null ? null : Math.floor(row.auth_time),
    expiresAt: Math.floor(row.exp),
    used: row.used,
  };
}

/** Authorization codes: single use, enforced by the database (one atomic UPDATE … RETURNING). */
@Injectable()
export class AuthorizationCodesRepository {
  constructor(private readonly sql: SqlService) {}

  async insert(code: NewAuthorizationCode): Promise<void> {
    await this.sql.query(
      `INSERT INTO authorization_codes (id, code, code_scheme, code_hash, client_id, username, redirect_uri, redirect_uri_in_request,
         scopes, code_challenge, nonce, auth_time, issued_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_timestamp($12), to_timestamp($13), to_timestamp($14))`,
      [
        code.id,
        code.code.stored,
        code.code.scheme,
        code.code.hash,
        code.clientId,
        code.username,
        code.redirectUri,
        code.redirectUriInRequest,
        code.scopes,
        code.codeChallenge,
        code.nonce,
        code.authTime,
        code.issuedAt,
        code.expiresAt,
      ],
    );
  }

  /**
   * Marks the client's code with this hash used and returns it — for exactly one caller, however many
   * present it at once. Undefined when it does not exist, belongs to another client or was used already.
   */
  async consume(hash: string, clientId: string): Promise<AuthorizationCodeRecord | undefined> {
    const rows = await this.sql.query<CodeRow>(
      `UPDATE authorization_codes SET used_at = now() WHERE code_hash = $1 AND client_id = $2 AND used_at IS NULL RETURNING ${COLUMNS}, false AS used`,
      [hash, clientId],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findByHash(hash: string): Promise<AuthorizationCodeRecord | undefined> {
    const rows = await this.sql.query<CodeRow>(`SELECT ${COLUMNS}, used_at IS NOT NULL AS used FROM authorization_codes WHERE code_hash = $1`, [hash]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }
}
