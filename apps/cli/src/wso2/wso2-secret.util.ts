import { CryptoError, decodeStoredValue, parseWso2Hash, PLAIN_SCHEME, sha256OfWso2Hash, TokenProcessor, type OpenAnyResult, type ProtectedSecret } from '@app/crypto';
import type { ImportFailure } from './wso2-import.types.js';

/** How the WSO2 deployment stored its secrets: given by the operator, for the whole deployment. */
export interface SecretSource {
  /** `--source-encrypted`: WSO2's `enable_token_encryption`. */
  encrypted: boolean;
  /**
   * `--source-hashed`: WSO2 hashed secrets (`hash_tokens_and_secrets`) before identity-inbound-auth-oauth
   * 6.0.33, when it wrote bare hex: a value of 64 hex digits is then such a hash. (WSO2's JSON hash objects
   * are recognised whatever this says.)
   */
  hashed?: boolean;
  /** Reads WSO2's ciphertexts (openAny) and computes our lookup hashes. */
  processor: TokenProcessor;
  /**
   * Values already read with `processor` (its RsaWorkerPool's openAny, a batch at a time): a value found
   * here costs no private-key operation; any other is read on the spot. Results are the same either way.
   */
  opened?: ReadonlyMap<string, OpenAnyResult>;
}

/**
 * A WSO2 value as we store it. `plaintext` is there for the caller's further checks (never logged); it is
 * null for a secret WSO2 kept as its hash only, which nobody can read back.
 */
export type SecretReading = { ok: true; secret: ProtectedSecret; plaintext: string | null } | { ok: false; failure: ImportFailure };

/** A SHA-256 in hex, as WSO2 wrote ACCESS_TOKEN_HASH before identity-inbound-auth-oauth 6.0.33 (any case). */
export const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

const KEY_HINT = 'configure the keystore or key WSO2 used ([keystore.primary], [[keystore.old]], [encryption] key or old_key)';

/**
 * The lowercase hex SHA-256 in one of WSO2's hash columns (ACCESS_TOKEN_HASH, REFRESH_TOKEN_HASH,
 * SECRET_HASH) — the same value as our lookup hash — in either of the forms WSO2 has written: the JSON
 * object `{"hash":"<hex>","algorithm":"SHA-256"}` (since identity-inbound-auth-oauth 6.0.33) or bare hex
 * (before). Undefined when the column is empty, or its hash was made with another algorithm (WSO2's
 * `hash_token_algorithm`), which cannot be compared with ours.
 */
export function sha256OfHashColumn(column: string | null | undefined): string | undefined {
  if (typeof column !== 'string') return undefined;
  if (HEX_SHA256.test(column)) return column.toLowerCase();
  const parsed = parseWso2Hash(column);
  return parsed ? sha256OfWso2Hash(parsed) : undefined;
}

/**
 * Reads one stored WSO2 secret and says how to store it here. Every WSO2 secret column an import reads must go
 * through here (consumer secrets of IDN_OAUTH_CONSUMER_SECRETS too, with its hash column as `wso2Hash`), so
 * that WSO2's hashes are recognised wherever they are and never become credentials:
 * - WSO2's hash of the secret (`hash_tokens_and_secrets` on: the JSON object WSO2's own `isProcessed()`
 *   recognises, bare hex equal to the row's own hash column, or bare hex with `source.hashed`): kept as a
 *   hash only (scheme `hash:SHA-256`). It keeps working here as it did in WSO2 — the holder of the secret
 *   presents it and it is matched by hash — and it never becomes a secret itself: the hash presented as a
 *   token or a client secret matches nothing.
 * - a ciphertext (`source.encrypted`): in its original stored form, with the scheme
 *   {@link SecretCipher.openAny} recognised (nothing is re-encrypted: `tokens migrate` does that later);
 * - a plaintext: as is, scheme `plain`.
 * The lookup hash is always the SHA-256 of the secret.
 *
 * With `source.encrypted`, a value that does not decrypt is a failure, never taken for plaintext. Without it,
 * a value that is one of WSO2's self-contained ciphertexts is a failure too: the flag is wrong, and storing
 * the ciphertext as the secret would lock its owner out.
 *
 * `wso2Hash`, WSO2's own hash column for the value (ACCESS_TOKEN_HASH, REFRESH_TOKEN_HASH), is checked in
 * either form: it catches a legacy (PKCS#1 v1.5, raw RSA) value decrypted with the wrong key, and a hash-only
 * value that does not belong to its row.
 */
export function readWso2Secret(value: string, source: SecretSource, wso2Hash?: string | null): SecretReading {
  if (value.length === 0) return fail('WSO2_VALUE_EMPTY', 'the value is empty');
  const expected = sha256OfHashColumn(wso2Hash);

  const hashOnly = hashOfHashedValue(value, source, expected);
  if (hashOnly !== undefined) {
    if (!hashOnly.ok) return hashOnly;
    if (expected !== undefined && hashOnly.hash !== expected) {
      return fail('WSO2_HASH_MISMATCH', "the value is WSO2's hash of a secret, but not of the one its row's hash column names (altered, or mixed up)");
    }
    return { ok: true, secret: TokenProcessor.hashOnly(hashOnly.hash), plaintext: null };
  }

  let plaintext: string;
  let secret: ProtectedSecret;
  if (source.encrypted) {
    const opened = source.opened?.get(value) ?? openAnyHere(source.processor, value);
    if (!opened.ok) {
      const error = opened.error;
      // CryptoError messages never carry a value (the crypto lib's promise), only key ids and lengths.
      return error.code === 'CIPHER_KEY_UNAVAILABLE'
        ? fail('WSO2_KEY_NOT_CONFIGURED', `${error.message}; ${KEY_HINT}`)
        : fail('WSO2_VALUE_UNDECRYPTABLE', `does not decrypt (${error.code}): ${error.message}`);
    }
    plaintext = opened.plaintext;
    secret = { stored: value, scheme: opened.scheme, hash: source.processor.lookupHash(plaintext) };
    if (plaintext.length === 0) return fail('WSO2_VALUE_EMPTY', 'the value decrypts to an empty secret');
  } else {
    if (isSelfContainedCiphertext(value)) {
      return fail('WSO2_VALUE_LOOKS_ENCRYPTED', 'the value is a WSO2 ciphertext although --source-encrypted is false: WSO2 encrypted it, run with --source-encrypted true');
    }
    plaintext = value;
    secret = { stored: value, scheme: PLAIN_SCHEME, hash: source.processor.lookupHash(value) };
  }
  if (expected !== undefined && expected !== secret.hash) {
    return fail(
      'WSO2_HASH_MISMATCH',
      source.encrypted ? "the decrypted value does not match WSO2's own hash of it (made with another key, or altered)" : "the value does not match WSO2's own hash of it",
    );
  }
  return { ok: true, secret, plaintext };
}

/**
 * The SHA-256 when the value is WSO2's hash of a secret rather than the secret (or a failure when it is a
 * hash that cannot be used here); undefined when it is not a hash.
 */
function hashOfHashedValue(value: string, source: SecretSource, expected: string | undefined): { ok: true; hash: string } | Extract<SecretReading, { ok: false }> | undefined {
  const parsed = parseWso2Hash(value);
  if (parsed) {
    const hash = sha256OfWso2Hash(parsed);
    if (hash !== undefined) return { ok: true, hash };
    // The algorithm is a setting, not a secret; shortened and stripped to printable ASCII all the same.
    const algorithm = parsed.algorithm.replace(/[^\x21-\x7e]/g, '?').slice(0, 32);
    return fail(
      'WSO2_HASH_UNSUPPORTED',
      `WSO2 stored this secret as a hash only, made with ${JSON.stringify(algorithm)} (hash_token_algorithm); lookups here go by SHA-256, so it cannot work here: its holder needs a new one`,
    );
  }
  if (!HEX_SHA256.test(value)) return undefined;
  // A secret is never its own SHA-256: bare hex equal to the row's hash column is WSO2's pre-6.0.33 hash.
  const hex = value.toLowerCase();
  if (hex === expected || source.hashed === true) return { ok: true, hash: hex };
  return undefined;
}

function openAnyHere(processor: TokenProcessor, value: string): OpenAnyResult {
  try {
    return { ok: true, ...processor.cipher.openAny(value) };
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    return { ok: false, error };
  }
}

/** Whether a value is one of WSO2's JSON envelopes (RSA or AES). Legacy raw RSA is not recognisable as such. */
function isSelfContainedCiphertext(value: string): boolean {
  try {
    return decodeStoredValue(value).format !== 'wso2-rsa-legacy-raw';
  } catch {
    return false;
  }
}

function fail(code: ImportFailure['code'], message: string): Extract<SecretReading, { ok: false }> {
  return { ok: false, failure: { code, message } };
}
