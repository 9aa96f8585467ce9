import { CryptoError, decodeStoredValue, PLAIN_SCHEME, type ProtectedSecret, type TokenProcessor } from '@app/crypto';
import type { ImportFailure } from './wso2-import.types.js';

/** How the WSO2 deployment stored its secrets: one setting for the whole deployment, given by the operator. */
export interface SecretSource {
  /** `--source-encrypted`: WSO2's `enable_token_encryption`. */
  encrypted: boolean;
  /** Reads WSO2's ciphertexts (openAny) and computes our lookup hashes. */
  processor: TokenProcessor;
}

/** A WSO2 value as we store it, with its plaintext for the caller's further checks (never logged). */
export type SecretReading = { ok: true; secret: ProtectedSecret; plaintext: string } | { ok: false; failure: ImportFailure };

/** A SHA-256 in hex, as WSO2 writes `ACCESS_TOKEN_HASH` (any case). */
export const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

const KEY_HINT = 'configure the keystore or key WSO2 used ([keystore.primary], [[keystore.old]], [encryption] key or old_key)';

/**
 * Reads one stored WSO2 secret and says how to store it here: in its original stored form with the scheme
 * {@link SecretCipher.openAny} recognised (nothing is re-encrypted: `tokens migrate` does that later), or as
 * plaintext with scheme `plain` when WSO2 did not encrypt. The lookup hash is always that of the plaintext.
 *
 * With `source.encrypted`, a value that does not decrypt is a failure, never taken for plaintext. Without it,
 * a value that is one of WSO2's self-contained ciphertexts is a failure too: the flag is wrong, and storing
 * the ciphertext as the secret would lock its owner out.
 *
 * `wso2Hash`, WSO2's own ACCESS_TOKEN_HASH / REFRESH_TOKEN_HASH, is checked when it is a hex SHA-256: it
 * catches a legacy (PKCS#1 v1.5, raw RSA) value decrypted with the wrong key, and token columns that hold
 * only a hash (WSO2's hashing persistence processor).
 */
export function readWso2Secret(value: string, source: SecretSource, wso2Hash?: string | null): SecretReading {
  if (value.length === 0) return fail('WSO2_VALUE_EMPTY', 'the value is empty');
  let plaintext: string;
  let secret: ProtectedSecret;
  if (source.encrypted) {
    try {
      const opened = source.processor.cipher.openAny(value);
      plaintext = opened.plaintext;
      secret = { stored: value, scheme: opened.scheme, hash: source.processor.lookupHash(plaintext) };
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      // CryptoError messages never carry a value (the crypto lib's promise), only key ids and lengths.
      return error.code === 'CIPHER_KEY_UNAVAILABLE'
        ? fail('WSO2_KEY_NOT_CONFIGURED', `${error.message}; ${KEY_HINT}`)
        : fail('WSO2_VALUE_UNDECRYPTABLE', `does not decrypt (${error.code}): ${error.message}`);
    }
    if (plaintext.length === 0) return fail('WSO2_VALUE_EMPTY', 'the value decrypts to an empty secret');
  } else {
    if (isSelfContainedCiphertext(value)) {
      return fail('WSO2_VALUE_LOOKS_ENCRYPTED', 'the value is a WSO2 ciphertext although --source-encrypted is false: WSO2 encrypted it, run with --source-encrypted true');
    }
    plaintext = value;
    secret = { stored: value, scheme: PLAIN_SCHEME, hash: source.processor.lookupHash(value) };
  }
  if (typeof wso2Hash === 'string' && HEX_SHA256.test(wso2Hash) && wso2Hash.toLowerCase() !== secret.hash) {
    return fail(
      'WSO2_HASH_MISMATCH',
      source.encrypted
        ? "the decrypted value does not match WSO2's own hash of it (made with another key, or altered)"
        : "the value does not match WSO2's own hash of it (WSO2 may have stored hashes only, which cannot be imported)",
    );
  }
  return { ok: true, secret, plaintext };
}

/** Whether a value is one of WSO2's JSON envelopes (RSA or AES). Legacy raw RSA is not recognisable as such. */
function isSelfContainedCiphertext(value: string): boolean {
  try {
    return decodeStoredValue(value).format !== 'wso2-rsa-legacy-raw';
  } catch {
    return false;
  }
}

function fail(code: ImportFailure['code'], message: string): SecretReading {
  return { ok: false, failure: { code, message } };
}
