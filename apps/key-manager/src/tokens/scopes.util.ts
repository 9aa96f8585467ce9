import { OAuthError } from '../common/key-manager.errors.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_SCOPES = 50;
const MAX_SCOPE_LENGTH = 256;

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
    if (scope.length > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.test(scope)) {
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
