const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * WSO2 stores a JWT access token by its `jti` (JWTTokenIssuer persists the token's alias; the default since
 * API Manager 3.0), which is what we store too. With `PersistAccessTokenAlias` turned off it stores the whole
 * JWT instead. This tells the two apart: `undefined` when the value is not a JWS at all (an opaque token or
 * a jti), otherwise the `jti` claim, or `null` when the JWT has none. The signature is not checked: the value
 * comes from WSO2's own database, and look-ups here verify every presented JWT anyway.
 */
export function jtiOfStoredJwt(value: string): string | null | undefined {
  const parts = value.split('.');
  if (parts.length !== 3 || !parts.every((p, i) => (i === 2 ? p === '' || BASE64URL.test(p) : BASE64URL.test(p)))) return undefined;
  const header = decodeSegment(parts[0]!);
  if (!header || typeof header.alg !== 'string') return undefined;
  const claims = decodeSegment(parts[1]!);
  if (!claims) return undefined;
  return typeof claims.jti === 'string' && claims.jti.length > 0 ? claims.jti : null;
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    // JSON.parse quotes its input in the message: never let it travel.
    return undefined;
  }
}
