import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { CryptoError } from './crypto.error.js';

/**
 * An AES key for `AES/GCM/NoPadding`, identified the way WSO2 identifies it. The key bytes are not on the
 * object at all (so not in JSON, `util.inspect` or enumeration); only this library can reach them.
 */
export interface SymmetricKey {
  /** Base64(SHA-256(key bytes)): the `keyId` WSO2 writes into AES values. */
  readonly keyId: string;
  readonly bits: 128 | 192 | 256;
}

// The key material lives here, keyed by the public object, instead of in a private field: nothing that
// serialises or inspects a SymmetricKey can reach it.
const MATERIAL = new WeakMap<SymmetricKey, KeyObject>();

const HEX = /^[0-9a-fA-F]*$/;

/**
 * Parses a configured symmetric key by WSO2's rule: hex-decoded when it is 48 or 64 characters of valid
 * hex, otherwise its UTF-8 bytes (so a 32-character key is AES-256). The result must be 16, 24 or 32 bytes.
 *
 * @throws {@link CryptoError} `SYMMETRIC_KEY_INVALID` naming the length, never the key.
 * @example
 * ```ts
 * const key = parseSymmetricKey(config.encryption.key); // e.g. 64 hex chars -> AES-256
 * console.log(key.keyId, key.bits);
 * ```
 */
export function parseSymmetricKey(value: string): SymmetricKey {
  if (typeof value !== 'string') throw new CryptoError('SYMMETRIC_KEY_INVALID', 'symmetric key must be a string');
  const hex = (value.length === 48 || value.length === 64) && HEX.test(value);
  const bytes = hex ? Buffer.from(value, 'hex') : Buffer.from(value, 'utf8');
  if (bytes.length !== 16 && bytes.length !== 24 && bytes.length !== 32) {
    throw new CryptoError(
      'SYMMETRIC_KEY_INVALID',
      `symmetric key is ${bytes.length} bytes (from ${value.length} characters); AES needs 16, 24 or 32 bytes: ` +
        'use 16, 24 or 32 characters, or 48 or 64 hex digits',
      { bytes: bytes.length, characters: value.length },
    );
  }
  const key: SymmetricKey = Object.freeze({
    keyId: createHash('sha256').update(bytes).digest('base64'),
    bits: (bytes.length * 8) as 128 | 192 | 256,
  });
  MATERIAL.set(key, createSecretKey(bytes));
  bytes.fill(0);
  return key;
}

/** The key as a node:crypto KeyObject; only for this library's ciphers. */
export function symmetricKeyMaterial(key: SymmetricKey): KeyObject {
  const material = MATERIAL.get(key);
  if (!material) {
    throw new CryptoError('SYMMETRIC_KEY_INVALID', `symmetric key ${String(key?.keyId)} was not created by parseSymmetricKey`);
  }
  return material;
}
