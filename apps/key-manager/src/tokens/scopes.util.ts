import { OAuthError } from '../common/key-manager.errors.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_SCOPES = 50;
const MAX_SCOPE_LENGTH = 256;

/** The `openid` scope: a token request that was granted it gets an ID token (OIDC Core §3.1.2.1). */
export const OPENID_SCOPE = 'openid';

/**
 * What a token carries when none of the requested scopes is granted, as in WSO2 (carbon-apimgt
 * `AbstractScopesIssuer.getAllowedScopes` and `RoleBasedScopesIssuer.getScopes`: `DEFAULT_SCOPE_NAME`).
 */
export const DEFAULT_SCOPE = 'default';

/** True for a well-formed RFC 6749 §3.3 scope token of at most 256 characters. */
export function isScopeToken(scope: string): boolean {
  return scope.length <= MAX_SCOPE_LENGTH && SCOPE_TOKEN.test(scope);
}

/**
 * Scopes every client may be granted without registering them: WSO2's default `allowed_scopes` whitelist
 * (`^device_.*` and `openid`, APIConstants `DEVICE_SCOPE_PATTERN` / `OPEN_ID_SCOPE_NAME`) and `default`.
 */
export function isAlwaysAllowedScope(scope: string): boolean {
  return scope === OPENID_SCOPE || scope === DEFAULT_SCOPE || scope.startsWith('device_');
}

/**
 * The scopes a token gets: the requested ones the client may have — registered for it (`scopes`), or
 * allowed for every client — in the order asked; the others are dropped, and `default` is granted when
 * nothing remains (also when nothing was asked). WSO2's behaviour (a scope issuer filters, it does not
 * refuse), not RFC 6749 §5.2's `invalid_scope`: a WSO2 client that asks for a scope it lacks still gets a
 * token, and must read the granted `scope` (RFC 6749 §5.1) — as every resource server must.
 *
 * Every issuance goes through this (`TokenMinter.mint`): all grants, refreshes and the portal's log-in.
 */
export function grantScopes(requested: readonly string[], registered: readonly string[]): string[] {
  const granted = grantableScopes(requested, registered);
  return granted.length > 0 ? granted : [DEFAULT_SCOPE];
}

/**
 * The requested scopes the client may have, without `default` filled in: what an authorization request
 * (sign-in page, authorization code, device authorization) records and shows the user, as WSO2's scope
 * validator sets the approved scopes at the authorization endpoint. The token is then minted through
 * {@link grantScopes}.
 */
export function grantableScopes(requested: readonly string[], registered: readonly string[]): string[] {
  return [...new Set(requested.filter((scope) => isAlwaysAllowedScope(scope) || registered.includes(scope)))];
}

/**
 * The scopes of a `scope` parameter (space-delimited, case-sensitive), duplicates dropped, order kept.
 * Absent or empty means none.
 *
 * @throws OAuthError invalid_scope for a malformed list.
 */
export function parseScopeParameter(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const scopes = [...new Set(value.split(' ').filter((s) => s !== ''))];
  if (scopes.length > MAX_SCOPES) throw new OAuthError('invalid_scope', `at most ${MAX_SCOPES} scopes may be requested`);
  for (const scope of scopes) {
    if (!isScopeToken(scope)) {
      throw new OAuthError('invalid_scope', 'a scope is malformed (RFC 6749 section 3.3: printable ASCII without spaces, quotes or backslashes)');
    }
  }
  return scopes;
}

/** Same checks for scopes given as a list (NATS). */
export function checkScopes(scopes: readonly string[] | undefined): string[] {
  return parseScopeParameter((scopes ?? []).join(' '));
}

export function formatScopes(scopes: readonly string[]): string {
  return scopes.join(' ');
}

export function splitScopes(stored: string): string[] {
  return stored === '' ? [] : stored.split(' ');
}
