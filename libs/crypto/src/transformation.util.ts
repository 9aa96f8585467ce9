import { CryptoError } from './crypto.error.js';

/**
 * The JCE transformations WSO2 writes into stored values, under the names WSO2 writes (`t` in the
 * self-contained JSON). Meanings are BouncyCastle's, the provider WSO2 uses.
 *
 * @example
 * ```ts
 * new SecretCipher(keyring, { enabled: true, transformation: Transformations.AesGcm, symmetricKeyId: key.keyId });
 * ```
 */
export const Transformations = {
  /** WSO2's default (`org.wso2.CipherTransformation` unset). Writeable. */
  RsaOaepSha1: 'RSA/ECB/OAEPwithSHA1andMGF1Padding',
  /** BouncyCastle meaning: the OAEP digest AND MGF1 are SHA-256 (SunJCE would use SHA-1 for MGF1). Writeable. */
  RsaOaepSha256: 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding',
  /** WSO2's symmetric provider. Writeable. */
  AesGcm: 'AES/GCM/NoPadding',
  /** PKCS#1 v1.5: read old data only. */
  RsaPkcs1: 'RSA/ECB/PKCS1Padding',
  /** WSO2's legacy raw RSA (`Cipher.getInstance("RSA", "BC")`: no padding, no metadata). Read-only. */
  RsaRaw: 'RSA',
} as const;

/** One of {@link Transformations}. */
export type Transformation = (typeof Transformations)[keyof typeof Transformations];

const WRITABLE: ReadonlySet<Transformation> = new Set([Transformations.RsaOaepSha1, Transformations.RsaOaepSha256, Transformations.AesGcm]);

// Keys are names normalised like BouncyCastle matches them: case-insensitive, the digest with or without
// its hyphen, and NONE accepted for ECB (RSA has no mode; BC treats both alike).
const BY_NORMALISED_NAME = new Map<string, Transformation>([
  ['RSA/ECB/OAEPWITHSHA1ANDMGF1PADDING', Transformations.RsaOaepSha1],
  ['RSA/ECB/OAEPWITHSHA256ANDMGF1PADDING', Transformations.RsaOaepSha256],
  ['AES/GCM/NOPADDING', Transformations.AesGcm],
  ['RSA/ECB/PKCS1PADDING', Transformations.RsaPkcs1],
  ['RSA', Transformations.RsaRaw],
  ['RSA/ECB/NOPADDING', Transformations.RsaRaw],
]);

const CANONICAL: ReadonlySet<string> = new Set(Object.values(Transformations));

function normalise(name: string): string {
  return name.toUpperCase().replace(/^RSA\/NONE\//, 'RSA/ECB/').replace(/SHA-(1|256)/g, 'SHA$1');
}

/**
 * Resolves a configured or stored transformation name (e.g. `org.wso2.CipherTransformation`) to its
 * canonical {@link Transformation}, matching names the way JCE does (case-insensitively).
 *
 * @throws {@link CryptoError} `CIPHER_UNSUPPORTED_TRANSFORMATION` for anything else.
 * @example
 * ```ts
 * parseTransformation('rsa/ecb/oaepwithsha1andmgf1padding'); // 'RSA/ECB/OAEPwithSHA1andMGF1Padding'
 * ```
 */
export function parseTransformation(name: string): Transformation {
  if (CANONICAL.has(name)) return name as Transformation; // what values and schemes carry: skip normalising
  const found = typeof name === 'string' ? BY_NORMALISED_NAME.get(normalise(name)) : undefined;
  if (!found) {
    throw new CryptoError(
      'CIPHER_UNSUPPORTED_TRANSFORMATION',
      `unsupported cipher transformation "${String(name).slice(0, 80)}"; supported: ${Object.values(Transformations).join(', ')}`,
    );
  }
  return found;
}

/**
 * Whether new values may be written with `t`. PKCS#1 v1.5 and raw RSA are read-only: they exist in old
 * WSO2 databases, and writing them would weaken new data.
 *
 * @example
 * ```ts
 * isWritableTransformation(Transformations.RsaPkcs1); // false
 * ```
 */
export function isWritableTransformation(t: Transformation): boolean {
  return WRITABLE.has(t);
}

/** Whether `t` is one of the RSA transformations (keyed by certificate thumbprint). */
export function isRsaTransformation(t: Transformation): boolean {
  return t !== Transformations.AesGcm;
}
