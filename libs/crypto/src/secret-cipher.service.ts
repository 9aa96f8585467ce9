import { createHash } from 'node:crypto';
import { aesGcmCipher, type AesGcmCipher } from './aes-gcm-cipher.util.js';
import { CryptoError } from './crypto.error.js';
import { decodeUtf8Strict, encodeUtf8Strict } from './encoding.util.js';
import type { Keyring } from './keyring.model.js';
import type { KeystoreKey } from './keystore.types.js';
import { rsaCipher, type RsaCipher } from './rsa-cipher.util.js';
import { formatScheme, HASHED_SCHEME, parseScheme, PLAIN_SCHEME, type ParsedScheme, type StorageScheme } from './storage-scheme.util.js';
import { aesEnvelopeWriter, decodeStoredValue, rsaEnvelopeWriter, type DecodedValue } from './stored-value.codec.js';
import { symmetricKeyMaterial } from './symmetric-key.util.js';
import { isRsaTransformation, isWritableTransformation, parseTransformation, Transformations, type Transformation } from './transformation.util.js';
import { formatWso2Hash, parseWso2Hash } from './wso2-hash.codec.js';

/**
 * How a node writes: WSO2's `enable_token_encryption` and `org.wso2.CipherTransformation`, plus the key to
 * write with — or WSO2's `enable_token_hashing` (`hashing`), which stores hashes only and excludes encryption.
 */
export interface WriteSettings {
  enabled: boolean;
  /** Store each secret as its SHA-256 only, in WSO2's form ({@link HASHED_SCHEME}); `enabled` must be false. */
  hashing?: boolean;
  transformation: Transformation;
  /** RSA transformations: thumbprint of the keyring key to write with; defaults to the keyring's first RSA key (the primary). */
  rsaKeyId?: string;
  /** AES: key id of the keyring key to write with; defaults to the keyring's first symmetric key. */
  symmetricKeyId?: string;
}

/**
 * The public half of an RSA-OAEP write key and its padding: enough to encrypt secrets somewhere else (a
 * worker thread) exactly as {@link SecretCipher.seal} would, then finish them with
 * {@link SecretCipher.storedFromCiphertext}. Nothing in it is secret.
 */
export interface RsaWriteKey {
  /** SubjectPublicKeyInfo, DER. */
  publicKeyDer: Buffer;
  /** node:crypto's `oaepHash` (OAEP and MGF1 digest): 'sha1' or 'sha256'. */
  oaepHash: string;
  /** Ciphertext length: the modulus in bytes. */
  ciphertextBytes: number;
}

/**
 * The private-key step of reading one RSA-OAEP value, to be done elsewhere (a worker thread holding the
 * keyring's private keys, {@link RsaWorkerPool}): decrypt `ciphertext` with key `keyId` and OAEP digest
 * `oaepHash`, then hand the bytes to {@link SecretCipher.plaintextOf}. `scheme` is what the value is stored
 * under.
 */
export interface RsaOpening {
  keyId: string;
  oaepHash: string;
  ciphertext: Buffer;
  scheme: StorageScheme;
}

type EncryptedScheme = Extract<ParsedScheme, { kind: 'encrypted' }>;

/**
 * What a node can do with values of one scheme: `readable` (plain, or encrypted under a key it holds),
 * `hash-only` (stored as a hash: matched by its hash, never read back — by anyone, with any key), or
 * `unreadable` (encrypted under a key it does not hold, or not a scheme at all).
 */
export type SchemeCapability = 'readable' | 'hash-only' | 'unreadable';

// Schemes repeat (a handful per table); parsing each once keeps open() to the crypto and the envelope.
const SCHEME_CACHE_LIMIT = 256;

/**
 * Seals secrets for storage and opens them again, in WSO2's self-contained formats, so that WSO2 reads what
 * we write and we read what WSO2 wrote. Every stored value travels with its {@link StorageScheme}; `open`
 * uses the recorded scheme and never guesses, so a table can hold a mix of schemes during a migration.
 *
 * Hot path: node:crypto only, with keys parsed once. AES values get a fresh random 12-byte IV each (NIST's
 * recommended size; WSO2 reads any IV length because it takes the IV from the value).
 *
 * @example
 * ```ts
 * const cipher = new SecretCipher(keyring, { enabled: true, transformation: Transformations.RsaOaepSha1, rsaKeyId: primary.thumbprint });
 * const { stored, scheme } = cipher.seal(accessToken);   // store both columns
 * const again = cipher.open(stored, scheme);            // === accessToken
 * ```
 */
export class SecretCipher {
  readonly keyring: Keyring;
  /** The scheme of everything {@link seal} writes; `'plain'` when encryption is disabled. */
  readonly writeScheme: StorageScheme;
  /** Set when this cipher writes with RSA-OAEP, whose encryption may run elsewhere (see {@link storedFromCiphertext}). */
  readonly rsaWriteKey: RsaWriteKey | undefined;
  private readonly sealBytes: ((plaintext: Buffer) => string) | undefined;
  private readonly wrapRsaCiphertext: ((ciphertext: Buffer) => string) | undefined;
  private readonly rsaCiphers = new Map<string, RsaCipher>();
  private readonly aesCiphers = new Map<string, AesGcmCipher>();
  private readonly schemes = new Map<string, ParsedScheme>();

  /**
   * @throws {@link CryptoError} when enabled with a transformation that is unknown
   * (`CIPHER_UNSUPPORTED_TRANSFORMATION`) or read-only (`CIPHER_WRITE_FORBIDDEN`), a write key the keyring
   * does not hold (`CIPHER_KEY_UNAVAILABLE`), or both encryption and hashing (`CIPHER_WRITE_FORBIDDEN`).
   */
  constructor(keyring: Keyring, write: WriteSettings) {
    this.keyring = keyring;
    for (const key of keyring.symmetricKeys) this.aesCiphers.set(key.keyId, aesGcmCipher(symmetricKeyMaterial(key)));
    this.rsaWriteKey = undefined;
    this.wrapRsaCiphertext = undefined;
    if (write.hashing === true) {
      if (write.enabled) throw new CryptoError('CIPHER_WRITE_FORBIDDEN', 'a secret is either encrypted or hashed: enable_token_encryption and enable_token_hashing exclude each other');
      this.writeScheme = HASHED_SCHEME;
      this.sealBytes = (plaintext) => formatWso2Hash(createHash('sha256').update(plaintext).digest('hex'));
      return;
    }
    if (!write.enabled) {
      this.writeScheme = PLAIN_SCHEME;
      this.sealBytes = undefined;
      return;
    }
    const transformation = parseTransformation(write.transformation);
    if (!isWritableTransformation(transformation)) {
      throw new CryptoError('CIPHER_WRITE_FORBIDDEN', `${transformation} is read-only: choose ${Transformations.RsaOaepSha1}, ${Transformations.RsaOaepSha256} or ${Transformations.AesGcm}`);
    }
    if (transformation === Transformations.AesGcm) {
      const keyId = write.symmetricKeyId ?? keyring.symmetricKeys[0]?.keyId;
      const cipher = keyId === undefined ? undefined : this.aesCiphers.get(keyId);
      if (!keyId || !cipher) throw missingWriteKey(transformation, keyId);
      const envelope = aesEnvelopeWriter(keyId);
      this.sealBytes = (plaintext) => {
        const { iv, ciphertextAndTag } = cipher.encrypt(plaintext);
        return envelope(iv, ciphertextAndTag);
      };
      this.writeScheme = formatScheme({ kind: 'encrypted', transformation, keyId });
    } else {
      const key = write.rsaKeyId === undefined ? keyring.rsaKeys[0] : keyring.rsaKey(write.rsaKeyId);
      const cipher = key && this.rsaCipher(key, transformation);
      if (!key || !cipher) throw missingWriteKey(transformation, write.rsaKeyId);
      const envelope = rsaEnvelopeWriter(transformation, key.thumbprint);
      this.sealBytes = (plaintext) => envelope(cipher.encrypt(plaintext));
      this.wrapRsaCiphertext = envelope;
      this.rsaWriteKey = {
        publicKeyDer: key.publicKey.export({ format: 'der', type: 'spki' }),
        oaepHash: cipher.oaepHash!,
        ciphertextBytes: Math.ceil(key.keySizeBits / 8),
      };
      this.writeScheme = formatScheme({ kind: 'encrypted', transformation, keyId: key.thumbprint });
    }
  }

  /**
   * Prepares a secret for storage: as-is when encryption is disabled, WSO2's hash object when hashing,
   * otherwise WSO2's self-contained ciphertext under {@link writeScheme}.
   *
   * @throws {@link CryptoError} `CIPHER_MALFORMED` when the plaintext is too long for RSA (214 bytes with
   * OAEP-SHA-1, 190 with OAEP-SHA-256, for a 2048-bit key) or is not well-formed Unicode.
   */
  seal(plaintext: string): { stored: string; scheme: StorageScheme } {
    if (typeof plaintext !== 'string') throw new CryptoError('CIPHER_MALFORMED', 'plaintext must be a string');
    if (!this.sealBytes) return { stored: plaintext, scheme: PLAIN_SCHEME };
    return { stored: this.sealBytes(encodeUtf8Strict(plaintext)), scheme: this.writeScheme };
  }

  /**
   * The stored value of an RSA-OAEP ciphertext made elsewhere with {@link rsaWriteKey}, exactly as
   * {@link seal} writes it (WSO2's envelope, this cipher's {@link writeScheme}).
   *
   * @throws {@link CryptoError} `CIPHER_WRITE_FORBIDDEN` when this cipher does not write RSA-OAEP,
   * `CIPHER_MALFORMED` when the ciphertext is not one modulus long.
   */
  storedFromCiphertext(ciphertext: Buffer): { stored: string; scheme: StorageScheme } {
    if (!this.wrapRsaCiphertext || !this.rsaWriteKey) {
      throw new CryptoError('CIPHER_WRITE_FORBIDDEN', `this cipher writes ${this.writeScheme === PLAIN_SCHEME ? 'plaintext' : this.writeScheme}, not RSA-OAEP`);
    }
    if (ciphertext.length !== this.rsaWriteKey.ciphertextBytes) {
      throw new CryptoError('CIPHER_MALFORMED', `RSA ciphertext is ${ciphertext.length} bytes; the key's modulus is ${this.rsaWriteKey.ciphertextBytes}`);
    }
    return { stored: this.wrapRsaCiphertext(ciphertext), scheme: this.writeScheme };
  }

  /**
   * Reads a stored value with the scheme recorded beside it. The envelope must agree with the scheme
   * (format, transformation, thumbprint or key id where the value names one).
   *
   * @throws {@link CryptoError} `SCHEME_INVALID`, `CIPHER_MALFORMED` (including envelope/scheme disagreement),
   * `CIPHER_KEY_UNAVAILABLE`, `CIPHER_TAMPERED`, `SECRET_HASH_ONLY` (a hash cannot be read back); never
   * returns garbage.
   */
  open(stored: string, scheme: StorageScheme): string {
    const parsed = this.parsedScheme(scheme);
    if (parsed.kind === 'plain') return stored;
    if (parsed.kind === 'hashed') throw hashOnly();
    const decoded = decodeStoredValue(stored);
    checkAgreement(decoded, parsed);
    return this.decrypt(decoded, parsed);
  }

  /**
   * The private-key step of {@link open} for a value that is RSA-OAEP under a held key and agrees with its
   * scheme; undefined for anything else (plain, AES, legacy RSA, hashes, and every value {@link open} would
   * refuse), which the caller opens with {@link open} itself.
   */
  rsaOpening(stored: string, scheme: StorageScheme): RsaOpening | undefined {
    let parsed: ParsedScheme;
    try {
      parsed = this.parsedScheme(scheme);
    } catch {
      return undefined;
    }
    if (parsed.kind !== 'encrypted') return undefined;
    const opening = this.rsaOpeningAny(stored);
    return opening?.scheme === scheme ? opening : undefined;
  }

  /**
   * The private-key step of {@link openAny} for a value in WSO2's self-contained RSA-OAEP format that names a
   * key this keyring holds; undefined for anything else, which the caller opens with {@link openAny} itself.
   */
  rsaOpeningAny(stored: string): RsaOpening | undefined {
    let decoded: DecodedValue;
    try {
      decoded = decodeStoredValue(stored);
    } catch {
      return undefined;
    }
    if (decoded.format !== 'wso2-rsa-self-contained') return undefined;
    const key = this.keyring.rsaKey(decoded.thumbprint);
    const oaepHash = key && this.rsaCipher(key, decoded.transformation).oaepHash;
    if (!key || !oaepHash) return undefined;
    const scheme = formatScheme({ kind: 'encrypted', transformation: decoded.transformation, keyId: key.thumbprint });
    return { keyId: key.thumbprint, oaepHash, ciphertext: decoded.ciphertext, scheme };
  }

  /**
   * The secret in the bytes an {@link RsaOpening} decrypted to.
   * @throws {@link CryptoError} `CIPHER_TAMPERED` when they are not UTF-8, as {@link open} does.
   */
  plaintextOf(decrypted: Buffer): string {
    return decodeUtf8Strict(decrypted);
  }

  /** Whether {@link open} can read values of this scheme here: plain, or a known transformation whose key this keyring holds. */
  canRead(scheme: StorageScheme): boolean {
    return this.capability(scheme) === 'readable';
  }

  /** What this node can do with values of this scheme (see {@link SchemeCapability}). */
  capability(scheme: StorageScheme): SchemeCapability {
    let parsed: ParsedScheme;
    try {
      parsed = this.parsedScheme(scheme);
    } catch {
      return 'unreadable';
    }
    if (parsed.kind === 'plain') return 'readable';
    if (parsed.kind === 'hashed') return 'hash-only';
    const held = isRsaTransformation(parsed.transformation) ? this.keyring.rsaKey(parsed.keyId) !== undefined : this.aesCiphers.has(parsed.keyId);
    return held ? 'readable' : 'unreadable';
  }

  /**
   * Reads a value in any WSO2 format with whatever key fits (CLI decrypt, WSO2 data import) and says which
   * scheme it was under. The key the value names is tried first; values that name none (legacy raw RSA, AES
   * without `keyId`), or name one not held, are tried with each key of the right kind. OAEP and GCM detect a
   * wrong key with certainty; PKCS#1 v1.5 and raw RSA only through their padding and strict UTF-8, which
   * random output passes with negligible probability (the same check WSO2 itself relies on).
   *
   * @throws {@link CryptoError} `CIPHER_MALFORMED`, `CIPHER_KEY_UNAVAILABLE` (no key held fits), `CIPHER_TAMPERED`
   * (the named key is held but the value does not decrypt), `SECRET_HASH_ONLY` (WSO2's hash of a secret).
   * @example
   * ```ts
   * const { plaintext, scheme } = cipher.openAny(wso2Row.ACCESS_TOKEN); // scheme e.g. 'RSA:80FCBC35…' for legacy values
   * ```
   */
  openAny(stored: string): { plaintext: string; scheme: StorageScheme } {
    if (parseWso2Hash(stored)) throw hashOnly();
    const decoded = decodeStoredValue(stored);
    let transformation: Transformation;
    let named: string | undefined;
    let candidates: string[];
    if (decoded.format === 'wso2-aes-gcm-self-contained') {
      transformation = Transformations.AesGcm;
      named = decoded.keyId;
      candidates = this.keyring.symmetricKeys.map((k) => k.keyId);
    } else {
      transformation = decoded.format === 'wso2-rsa-legacy-raw' ? Transformations.RsaRaw : decoded.transformation;
      named = decoded.format === 'wso2-rsa-self-contained' ? decoded.thumbprint : undefined;
      candidates = this.keyring.rsaKeys.map((k) => k.thumbprint);
    }
    const namedHeld = named !== undefined && candidates.includes(named);
    if (namedHeld) candidates = [named!];
    for (const keyId of candidates) {
      const parsed: EncryptedScheme = { kind: 'encrypted', transformation, keyId };
      try {
        return { plaintext: this.decrypt(decoded, parsed), scheme: formatScheme(parsed) };
      } catch (error) {
        if (namedHeld || !(error instanceof CryptoError)) throw error;
      }
    }
    const tried = candidates.length;
    throw new CryptoError(
      'CIPHER_KEY_UNAVAILABLE',
      named !== undefined
        ? `the value is stored under key ${named}, which this keyring does not hold` + (tried ? `, and none of the ${tried} other ${kindOf(transformation)} keys fits` : '')
        : `none of the ${tried} ${kindOf(transformation)} keys held decrypts this ${transformation} value (made with another key, or altered)`,
      named !== undefined ? { keyId: named, transformation } : { transformation },
    );
  }

  private parsedScheme(scheme: StorageScheme): ParsedScheme {
    let parsed = this.schemes.get(scheme);
    if (!parsed) {
      parsed = parseScheme(scheme);
      if (this.schemes.size >= SCHEME_CACHE_LIMIT) this.schemes.clear();
      this.schemes.set(scheme, parsed);
    }
    return parsed;
  }

  private decrypt(decoded: DecodedValue, scheme: EncryptedScheme): string {
    if (decoded.format === 'wso2-aes-gcm-self-contained') {
      const cipher = this.aesCiphers.get(scheme.keyId);
      if (!cipher) throw keyUnavailable(scheme);
      // WSO2 writes an empty plaintext as an empty "cipher" (no tag), so there is nothing to authenticate.
      if (decoded.ciphertextAndTag.length === 0) return '';
      return decodeUtf8Strict(cipher.decrypt(decoded.iv, decoded.ciphertextAndTag));
    }
    const key = this.keyring.rsaKey(scheme.keyId);
    if (!key) throw keyUnavailable(scheme);
    return decodeUtf8Strict(this.rsaCipher(key, scheme.transformation).decrypt(decoded.ciphertext));
  }

  private rsaCipher(key: KeystoreKey, transformation: Transformation): RsaCipher {
    const id = `${transformation}:${key.thumbprint}`;
    let cipher = this.rsaCiphers.get(id);
    if (!cipher) {
      cipher = rsaCipher(transformation, key.privateKey, key.publicKey, key.keySizeBits);
      this.rsaCiphers.set(id, cipher);
    }
    return cipher;
  }
}

/** The value's own metadata must not contradict the scheme recorded beside it: that would be a mix-up or damage. */
function checkAgreement(decoded: DecodedValue, scheme: EncryptedScheme): void {
  const { transformation, keyId } = scheme;
  const agrees =
    decoded.format === 'wso2-aes-gcm-self-contained'
      ? transformation === Transformations.AesGcm && (decoded.keyId === undefined || decoded.keyId === keyId)
      : decoded.format === 'wso2-rsa-self-contained'
        ? transformation === decoded.transformation && keyId === decoded.thumbprint
        : transformation === Transformations.RsaRaw;
  if (agrees) return;
  const says =
    decoded.format === 'wso2-aes-gcm-self-contained'
      ? `${Transformations.AesGcm}${decoded.keyId ? ` under key ${decoded.keyId}` : ''}`
      : decoded.format === 'wso2-rsa-self-contained'
        ? `${decoded.transformation} under key ${decoded.thumbprint}`
        : `legacy raw RSA (${Transformations.RsaRaw})`;
  throw new CryptoError('CIPHER_MALFORMED', `the value is ${says}, but its recorded scheme is ${transformation} under key ${keyId}`, {
    transformation,
    keyId,
  });
}

function hashOnly(): CryptoError {
  return new CryptoError('SECRET_HASH_ONLY', 'the value is stored as a hash only (WSO2 token hashing): the secret can be matched, never read back');
}

function kindOf(transformation: Transformation): string {
  return isRsaTransformation(transformation) ? 'RSA' : 'AES';
}

function keyUnavailable(scheme: EncryptedScheme): CryptoError {
  return new CryptoError('CIPHER_KEY_UNAVAILABLE', `the value is stored under ${kindOf(scheme.transformation)} key ${scheme.keyId}, which this keyring does not hold`, {
    keyId: scheme.keyId,
    transformation: scheme.transformation,
  });
}

function missingWriteKey(transformation: Transformation, keyId: string | undefined): CryptoError {
  return new CryptoError(
    'CIPHER_KEY_UNAVAILABLE',
    keyId === undefined
      ? `writing with ${transformation} needs an ${kindOf(transformation)} key, and the keyring holds none`
      : `the write key ${keyId} for ${transformation} is not in the keyring`,
    { transformation, ...(keyId === undefined ? {} : { keyId }) },
  );
}
