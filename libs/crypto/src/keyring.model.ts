import { CryptoError } from './crypto.error.js';
import type { KeystoreKey } from './keystore.types.js';
import { symmetricKeyMaterial, type SymmetricKey } from './symmetric-key.util.js';

/**
 * Every key a node holds: the primary keystore and old keystores (RSA, identified by certificate
 * thumbprint), and the symmetric key and old keys (AES, identified by Base64(SHA-256(key))). Immutable.
 * Keys keep the order given (the primary first); the same key given twice (same id) is kept once.
 *
 * @example
 * ```ts
 * const keyring = Keyring.create({ rsa: [primary, ...oldKeystores], symmetric: [parseSymmetricKey(config.key)] });
 * keyring.has('80FCBC35D6A8A070D4382DE827576ADC743E6BB3'); // true
 * ```
 */
export class Keyring {
  readonly rsaKeys: readonly KeystoreKey[];
  readonly symmetricKeys: readonly SymmetricKey[];
  /** Thumbprints, then AES key ids. */
  readonly keyIds: readonly string[];
  private readonly rsaById: ReadonlyMap<string, KeystoreKey>;
  private readonly symmetricIds: ReadonlySet<string>;

  private constructor(rsa: Map<string, KeystoreKey>, symmetric: Map<string, SymmetricKey>) {
    this.rsaById = rsa;
    this.symmetricIds = new Set(symmetric.keys());
    this.rsaKeys = Object.freeze([...rsa.values()]);
    this.symmetricKeys = Object.freeze([...symmetric.values()]);
    this.keyIds = Object.freeze([...rsa.keys(), ...symmetric.keys()]);
  }

  /**
   * @throws {@link CryptoError} `KEYSTORE_NOT_RSA` for an RSA entry without an RSA key pair, `SYMMETRIC_KEY_INVALID`
   * for a symmetric key not made by {@link parseSymmetricKey}.
   */
  static create(input: { rsa: KeystoreKey[]; symmetric: SymmetricKey[] }): Keyring {
    const rsa = new Map<string, KeystoreKey>();
    for (const key of input.rsa) {
      if (key?.privateKey?.asymmetricKeyType !== 'rsa' || typeof key.thumbprint !== 'string') {
        throw new CryptoError('KEYSTORE_NOT_RSA', `keyring entry "${String(key?.alias)}" is not an RSA key loaded by loadKeystore`);
      }
      const id = key.thumbprint.toUpperCase();
      if (!rsa.has(id)) rsa.set(id, key);
    }
    const symmetric = new Map<string, SymmetricKey>();
    for (const key of input.symmetric) {
      symmetricKeyMaterial(key); // proves it came from parseSymmetricKey
      if (!symmetric.has(key.keyId)) symmetric.set(key.keyId, key);
    }
    return new Keyring(rsa, symmetric);
  }

  /** Whether a thumbprint (any case) or AES key id is held. */
  has(keyId: string): boolean {
    return this.symmetricIds.has(keyId) || this.rsaById.has(keyId.toUpperCase());
  }

  /** The RSA key with this certificate thumbprint (any case). */
  rsaKey(thumbprint: string): KeystoreKey | undefined {
    return this.rsaById.get(thumbprint.toUpperCase());
  }
}
