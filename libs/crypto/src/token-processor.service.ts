import { createHash, timingSafeEqual } from 'node:crypto';
import { CryptoError } from './crypto.error.js';
import { encryptionProfileOf, type EncryptionProfile } from './encryption-profile.util.js';
import type { SecretCipher } from './secret-cipher.service.js';
import { parseScheme, type StorageScheme } from './storage-scheme.util.js';
import { Transformations } from './transformation.util.js';

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
      write.kind === 'plain'
        ? encryptionProfileOf({ enabled: false, transformation: Transformations.RsaOaepSha1, keyId: null })
        : encryptionProfileOf({ enabled: true, transformation: write.transformation, keyId: write.keyId });
  }

  /** Seals a secret for storage and computes its lookup hash. */
  protect(kind: SecretKind, secret: string): ProtectedSecret {
    const { stored, scheme } = withKind(kind, () => this.cipher.seal(secret));
    return { stored, scheme, hash: this.lookupHash(secret) };
  }

  /** Reads a stored secret with the scheme recorded beside it. */
  reveal(kind: SecretKind, value: { stored: string; scheme: StorageScheme }): string {
    return withKind(kind, () => this.cipher.open(value.stored, value.scheme));
  }

  /**
   * Lowercase hex SHA-256 of the secret's UTF-8 bytes, what WSO2's hashing persistence processor stores:
   * deterministic and key-independent, so lookups survive key rotation and encryption changes.
   */
  lookupHash(secret: string): string {
    return createHash('sha256').update(secret, 'utf8').digest('hex');
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
