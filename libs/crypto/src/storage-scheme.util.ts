import { CryptoError } from './crypto.error.js';
import { isRsaTransformation, parseTransformation, type Transformation } from './transformation.util.js';

/**
 * How one stored value was written, recorded beside it (its own column) so that reading never guesses and a
 * table can hold a mix during a migration: {@link PLAIN_SCHEME}, {@link HASHED_SCHEME}, or
 * `${Transformation}:${keyId}` where the key id is the certificate thumbprint (RSA, uppercase SHA-1 hex) or
 * Base64(SHA-256(key)) (AES).
 * E.g. `'RSA/ECB/OAEPwithSHA1andMGF1Padding:80FCBC35…'`, `'AES/GCM/NoPadding:YpQYJpoq…='`.
 */
export type StorageScheme = string;

/** The scheme of a value stored as-is (`enable_token_encryption = false`). */
export const PLAIN_SCHEME = 'plain';

/**
 * The scheme of a value stored as its hash only, in WSO2's form `{"hash":"<hex SHA-256>","algorithm":"SHA-256"}`
 * (`enable_token_hashing` / `hash_tokens_and_secrets`): the secret cannot be read back, only matched.
 */
export const HASHED_SCHEME = 'hash:SHA-256';

/** A {@link StorageScheme} taken apart. */
export type ParsedScheme =
  | { kind: 'plain' }
  | { kind: 'hashed'; algorithm: 'SHA-256' }
  | { kind: 'encrypted'; transformation: Transformation; keyId: string };

const THUMBPRINT = /^[0-9A-Fa-f]{40}$/;
const AES_KEY_ID = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Takes a stored scheme apart. Transformation names are matched like JCE (case-insensitively) and come
 * back canonical; thumbprints come back uppercase.
 *
 * @throws {@link CryptoError} `SCHEME_INVALID` when the text is not a scheme.
 * @example
 * ```ts
 * parseScheme('AES/GCM/NoPadding:YpQYJpoqCVLjTT8EJsa87dKjKLw7ai4UWQ3ogj0p164=');
 * // { kind: 'encrypted', transformation: 'AES/GCM/NoPadding', keyId: 'YpQYJpoq…=' }
 * ```
 */
export function parseScheme(s: string): ParsedScheme {
  if (s === PLAIN_SCHEME) return { kind: 'plain' };
  if (s === HASHED_SCHEME) return { kind: 'hashed', algorithm: 'SHA-256' };
  const colon = typeof s === 'string' ? s.indexOf(':') : -1;
  if (colon < 1) throw invalid(s, `expected "${PLAIN_SCHEME}", "${HASHED_SCHEME}" or "<transformation>:<key id>"`);
  if (s.slice(0, colon) === 'hash') throw invalid(s, `the only hash scheme is "${HASHED_SCHEME}"`);
  let transformation: Transformation;
  try {
    transformation = parseTransformation(s.slice(0, colon));
  } catch {
    throw invalid(s, 'unknown transformation');
  }
  const keyId = s.slice(colon + 1);
  if (isRsaTransformation(transformation)) {
    if (!THUMBPRINT.test(keyId)) throw invalid(s, 'an RSA key id is a certificate thumbprint: 40 hex digits (SHA-1)');
    return { kind: 'encrypted', transformation, keyId: keyId.toUpperCase() };
  }
  if (!AES_KEY_ID.test(keyId)) throw invalid(s, 'an AES key id is Base64(SHA-256(key)): 44 base64 characters');
  return { kind: 'encrypted', transformation, keyId };
}

/**
 * The text of a scheme, inverse of {@link parseScheme}.
 *
 * @example
 * ```ts
 * formatScheme({ kind: 'encrypted', transformation: Transformations.RsaOaepSha1, keyId: key.thumbprint });
 * // 'RSA/ECB/OAEPwithSHA1andMGF1Padding:80FCBC35D6A8A070D4382DE827576ADC743E6BB3'
 * ```
 */
export function formatScheme(p: ParsedScheme): StorageScheme {
  return p.kind === 'plain' ? PLAIN_SCHEME : p.kind === 'hashed' ? HASHED_SCHEME : `${p.transformation}:${p.keyId}`;
}

function invalid(s: unknown, why: string): CryptoError {
  // The text is not echoed: schemes are not secrets, but a swapped argument would put a stored value (or a
  // plaintext, for 'plain' rows) here, and messages must never carry one.
  const length = typeof s === 'string' ? s.length : 0;
  return new CryptoError('SCHEME_INVALID', `invalid storage scheme (${length} characters): ${why}`, { length });
}
