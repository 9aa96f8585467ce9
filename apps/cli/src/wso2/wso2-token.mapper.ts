import { qualifiedUserName } from './wso2-client.mapper.js';
import type { ImportedTokenState, ImportFailure, Wso2TokenRow } from './wso2-import.types.js';

/** Everything about a token row except its secrets (read separately). Times in epoch seconds. */
export interface MappedTokenFields {
  username: string | null;
  scopes: string;
  grantType: string;
  issuedAt: number;
  expiresAt: number;
  refreshExpiresAt: number | null;
  revokedAt: number | null;
  state: ImportedTokenState;
}

export type TokenMapping = { kind: 'skip' } | { kind: 'fail'; failure: ImportFailure } | { kind: 'token'; fields: MappedTokenFields };

export interface TokenMappingOptions {
  /** Epoch seconds. */
  now: number;
  /** Import rows no one can use any more (expired, revoked, rotated) too. */
  includeInactive: boolean;
}

/**
 * 9999-12-31T23:59:59Z. WSO2 writes a negative validity (or Long.MAX_VALUE) for tokens that never expire;
 * timestamptz has no infinity we want to rely on, and this is as good as never.
 */
export const NEVER_EXPIRES = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;

/**
 * Maps one IDN_OAUTH2_ACCESS_TOKEN row to our token fields, or says to skip it: a row no one can use any
 * more (REVOKED, INACTIVE, GRACEFULLY_ROTATED, or with its access and refresh token both expired) is skipped unless
 * `includeInactive`. WSO2's EXPIRED state only says the access token expired; its refresh token may still be
 * valid (WSO2 accepts it), so such a row stays ACTIVE here and the times decide, as they do for every row.
 */
export function mapWso2Token(row: Wso2TokenRow, options: TokenMappingOptions): TokenMapping {
  if (row.authorizedOrganization && row.authorizedOrganization.toUpperCase() !== 'NONE') {
    return fail('WSO2_TOKEN_ORGANIZATION', 'issued for a sub-organization (AUTHORIZED_ORGANIZATION): this Key Manager has no organizations, so it cannot honour it');
  }
  if (row.timeCreated === null || row.validityPeriod === null) {
    return fail('WSO2_TOKEN_INCOMPLETE', 'TIME_CREATED or VALIDITY_PERIOD is missing, so its expiry is unknown');
  }
  const issuedAt = Math.floor(row.timeCreated / 1000);
  const expiresAt = expiry(row.timeCreated, row.validityPeriod);
  const refreshExpiresAt =
    row.refreshToken === null || row.refreshToken === '' ? null : expiry(row.refreshTokenTimeCreated ?? row.timeCreated, row.refreshTokenValidityPeriod ?? row.validityPeriod);

  const wso2State = (row.tokenState ?? 'ACTIVE').toUpperCase();
  let state: ImportedTokenState;
  let usable: boolean;
  switch (wso2State) {
    case 'ACTIVE':
    case 'EXPIRED':
      state = 'ACTIVE';
      usable = options.now < expiresAt || (refreshExpiresAt !== null && options.now < refreshExpiresAt);
      break;
    case 'INACTIVE':
    case 'REVOKED':
      state = wso2State;
      usable = false;
      break;
    case 'GRACEFULLY_ROTATED':
      // Graceful refresh token rotation (identity-inbound-auth-oauth 7.5.46+): the row was refreshed; its access
      // token is no longer accepted, its refresh token only within a grace window of at most 60 s after the
      // rotation. That window is not carried over: the row is rotated, as INACTIVE.
      state = 'INACTIVE';
      usable = false;
      break;
    default:
      return fail('WSO2_TOKEN_STATE_UNKNOWN', `TOKEN_STATE ${wso2State.slice(0, 25)} is not one of ACTIVE, INACTIVE, REVOKED, EXPIRED, GRACEFULLY_ROTATED`);
  }
  if (!usable && !options.includeInactive) return { kind: 'skip' };

  const application = (row.userType ?? '').toUpperCase() === 'APPLICATION';
  return {
    kind: 'token',
    fields: {
      // A client_credentials token belongs to the app (WSO2 writes the app owner as AUTHZ_USER); ours have no user.
      username: application ? null : qualifiedUserName(row.authzUser, row.userDomain),
      scopes: [...new Set(row.scopes)].sort().join(' '),
      grantType: row.grantType ?? (application ? 'client_credentials' : 'unknown'),
      issuedAt,
      expiresAt,
      refreshExpiresAt,
      // WSO2 does not record when a token was revoked; the import is the earliest time we know of.
      revokedAt: state === 'REVOKED' ? options.now : null,
      state,
    },
  };
}

/** Epoch seconds of created + validity (both milliseconds); a negative or absurd validity never expires. */
function expiry(createdMs: number, validityMs: number): number {
  if (validityMs < 0) return NEVER_EXPIRES;
  return Math.min(Math.floor((createdMs + validityMs) / 1000), NEVER_EXPIRES);
}

function fail(code: ImportFailure['code'], message: string): TokenMapping {
  return { kind: 'fail', failure: { code, message } };
}
