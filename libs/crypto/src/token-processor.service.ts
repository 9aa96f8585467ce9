import { hash as oneShotHash, timingSafeEqual } from 'node:crypto';
import { CryptoError } from './crypto.error.js';
import { encryptionProfileOf, type EncryptionProfile } from './encryption-profile.util.js';
import type { SecretCipher } from './secret-cipher.service.js';
import { HASHED_SCHEME, parseScheme, type StorageScheme } from './storage-scheme.util.js';
import { Transformations } from './transformation.util.js';
import { formatWso2Hash, parseWso2Hash, sha256OfWso2Hash } from './wso2-hash.codec.js';

/** The OAuth2 secrets WSO2 encrypts when `enable_token_encryption = true`. */
export const SecretKinds = {
  AccessToken: 'access_token',
  RefreshToken: 'refresh_token',
  ConsumerSecret: 'consumer_secret',
  AuthorizationCode: 'authorization_code',
  DeviceCode: 'device_code',
} as const;

/** One of {@link SecretKinds}. */
export type SecretKind = (typeof SecretKinds)[keyof typeof SecretKinds];

/** What to store for one secret: the value, its scheme (own column) and its lookup hash (indexed column). */
export interface ProtectedSecret {
  stored: string;
  scheme: StorageScheme;
  hash: string;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * WSO2's token persistence processor: stores OAuth2 secrets through a {@link SecretCipher} and gives each a
 * key-independent lookup hash, so finding a token by its value needs no decryption and survives key rotation.
 * Errors carry the secret kind (never the secret) in `details.kind`.
 *
 * @example
 * ```ts
 * const processor = new TokenProcessor(cipher);
 * const p = processor.protect(SecretKinds.AccessToken, token);  // INSERT p.stored, p.scheme, p.hash
 * const row = await findByHash(processor.lookupHash(presented));
 * const token = processor.reveal(SecretKinds.AccessToken, { stored: row.value, scheme: row.scheme });
 * ```
 */
export class TokenProcessor {
  readonly cipher: SecretCipher;
  /** How this processor writes; compare with peers' before exchanging secrets. */
  readonly profile: EncryptionProfile;

  constructor(cipher: SecretCipher) {
    this.cipher = cipher;
    const write = parseScheme(cipher.writeScheme);
    this.profile =
      write.kind === 'encrypted'
        ? encryptionProfileOf({ enabled: true, transformation: write.transformation, keyId: write.keyId })
        : encryptionProfileOf({ enabled: false, transformation: Transformations.RsaOaepSha1, keyId: null, hashing: write.kind === 'hashed' });
  }

  /**
   * What to store for a secret known only by its SHA-256 (lowercase hex, e.g. WSO2's stored hash of it): the
   * hash in WSO2's form, under {@link HASHED_SCHEME}. Lookups by hash find it; nothing can read it back.
   *
   * @throws {@link CryptoError} `CIPHER_MALFORMED` when `sha256Hex` is not 64 hex digits.
   */
  static hashOnly(sha256Hex: string): ProtectedSecret {
    const stored = formatWso2Hash(sha256Hex);
    return { stored, scheme: HASHED_SCHEME, hash: sha256Hex.toLowerCase() };
  }

  /** Seals a secret for storage and computes its lookup hash. */
  protect(kind: SecretKind, secret: string): ProtectedSecret {
    const { stored, scheme } = withKind(kind, () => this.cipher.seal(secret));
    return { stored, scheme, hash: this.lookupHash(secret) };
  }

  /**
   * Reads a stored secret with the scheme recorded beside it.
   * @throws {@link CryptoError} as {@link SecretCipher.open}; `SECRET_HASH_ONLY` for a value stored as its hash.
   */
  reveal(kind: SecretKind, value: { stored: string; scheme: StorageScheme }): string {
    return withKind(kind, () => this.cipher.open(value.stored, value.scheme));
  }

  /**
   * Whether a stored value is the secret whose lookup hash is `hash`: a value stored as its hash must hold
   * that hash; any other is read back and hashed. What a migration checks before and after it rewrites.
   * @throws {@link CryptoError} when the value cannot be read (as {@link reveal}).
   */
  holds(kind: SecretKind, value: { stored: string; scheme: StorageScheme }, hash: string): boolean {
    if (value.scheme === HASHED_SCHEME) {
      const held = parseWso2Hash(value.stored);
      return held !== undefined && sha256OfWso2Hash(held) === hash;
    }
    return this.lookupHash(this.reveal(kind, value)) === hash;
  }

  /**
   * Lowercase hex SHA-256 of the secret's UTF-8 bytes: deterministic and key-independent, so lookups survive
   * key rotation and encryption changes. It is the hex WSO2's `HashingPersistenceProcessor` computes; WSO2
   * stores it wrapped in JSON (`{"hash":…,"algorithm":"SHA-256"}`, see `formatWso2Hash`), bare only before
   * identity-inbound-auth-oauth 6.0.33.
   */
  lookupHash(secret: string): string {
    // One-shot: no Hash object per call (a third of createHash's cost on short input); UTF-8 as before.
    return oneShotHash('sha256', secret, 'hex');
  }

  /** Whether `secret` hashes to `hash`, compared in constant time. */
  matches(secret: string, hash: string): boolean {
    if (typeof hash !== 'string' || !HEX_SHA256.test(hash)) return false;
    return timingSafeEqual(Buffer.from(this.lookupHash(secret), 'latin1'), Buffer.from(hash.toLowerCase(), 'latin1'));
  }

  /** Whether a stored value is written exactly as this processor writes now (otherwise a migration rewrites it). */
  isCurrent(scheme: StorageScheme): boolean {
    return scheme === this.cipher.writeScheme;
  }
}

function withKind<T>(kind: SecretKind, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof CryptoError) throw new CryptoError(error.code, `${kind}: ${error.message}`, { ...error.details, kind });
    throw error;
  }
}
