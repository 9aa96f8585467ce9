/** Stable codes of {@link CryptoError}; callers branch on these, never on messages. */
export type CryptoErrorCode =
  | 'KEYSTORE_NOT_FOUND'
  | 'KEYSTORE_UNREADABLE'
  | 'KEYSTORE_BAD_PASSWORD'
  | 'KEYSTORE_BAD_KEY_PASSWORD'
  | 'KEYSTORE_ALIAS_NOT_FOUND'
  | 'KEYSTORE_NOT_RSA'
  | 'KEYSTORE_CERT_EXPIRED'
  | 'KEYSTORE_UNSUPPORTED_TYPE'
  | 'SYMMETRIC_KEY_INVALID'
  | 'CIPHER_UNSUPPORTED_TRANSFORMATION'
  /** Legacy transformations are read-only. */
  | 'CIPHER_WRITE_FORBIDDEN'
  /** Not base64, not the expected JSON envelope, truncated, or the wrong length. */
  | 'CIPHER_MALFORMED'
  /** Authentication or padding check failed. */
  | 'CIPHER_TAMPERED'
  /** The value is stored under a key id this keyring does not hold. */
  | 'CIPHER_KEY_UNAVAILABLE'
  /** The value is stored as a hash only (scheme `hash:SHA-256`): it can be matched, never read back. */
  | 'SECRET_HASH_ONLY'
  | 'SCHEME_INVALID';

/**
 * The one error class of `@app/crypto`. Carries a stable {@link CryptoErrorCode} and no HTTP knowledge: each
 * app maps codes at its edge. Neither `message` nor `details` ever holds a plaintext, a ciphertext, a password
 * or key material; they may name files, aliases, key ids, thumbprints and lengths.
 *
 * @example
 * ```ts
 * try {
 *   cipher.open(row.accessToken, row.accessTokenScheme);
 * } catch (error) {
 *   if (error instanceof CryptoError && error.code === 'CIPHER_KEY_UNAVAILABLE') {
 *     console.error(`add the old keystore holding ${error.details?.keyId}`);
 *   }
 *   throw error;
 * }
 * ```
 */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly code: CryptoErrorCode;
  readonly details?: Record<string, string | number>;

  constructor(code: CryptoErrorCode, message: string, details?: Record<string, string | number>) {
    super(message);
    this.code = code;
    if (details) this.details = Object.freeze({ ...details });
  }
}
