import { CryptoError } from './crypto.error.js';

/**
 * WSO2's stored hash of a secret, as `HashingPersistenceProcessor` writes it (identity-inbound-auth-oauth,
 * `components/org.wso2.carbon.identity.oauth/src/main/java/org/wso2/carbon/identity/oauth/tokenprocessor/
 * HashingPersistenceProcessor.java`, since v6.0.33, commit 82ecaad8): `org.json`'s `JSONObject` with the keys
 * `algorithm` (WSO2's `hash_token_algorithm`, default `SHA-256`) and `hash` (lowercase hex of the digest of
 * the secret's UTF-8 bytes), serialised in HashMap order: `{"hash":"<hex>","algorithm":"SHA-256"}`. WSO2
 * writes it into ACCESS_TOKEN_HASH / REFRESH_TOKEN_HASH always, and into the secret columns themselves
 * (ACCESS_TOKEN, REFRESH_TOKEN, CONSUMER_SECRET, AUTHORIZATION_CODE) when `hash_tokens_and_secrets` is on.
 * Before v6.0.33 it wrote the bare hex.
 */
export interface Wso2Hash {
  /** As written, e.g. `SHA-256`; a non-string field comes back as its JSON text (and then fits nothing). */
  algorithm: string;
  /** As written: lowercase hex from WSO2, but any text is returned. */
  hash: string;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
// Java's MessageDigest names are matched without regard to case; WSO2's default and documented value is SHA-256.
const SHA256_NAME = /^SHA-?256$/i;

/**
 * The hash in a stored value when it is one of WSO2's hash objects, the test WSO2 itself applies
 * (`HashingPersistenceProcessor.isProcessed`: a JSON object with both `algorithm` and `hash`), or undefined
 * for anything else (a plaintext, a ciphertext, bare hex). Never throws; never echoes the value.
 *
 * @example
 * ```ts
 * parseWso2Hash('{"hash":"9f86d0…","algorithm":"SHA-256"}'); // { algorithm: 'SHA-256', hash: '9f86d0…' }
 * parseWso2Hash('a-plain-token');                            // undefined
 * ```
 */
export function parseWso2Hash(value: string): Wso2Hash | undefined {
  if (typeof value !== 'string' || value.charCodeAt(0) !== 0x7b /* { */) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // JSON.parse quotes its input in the message: never let it travel.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const object = parsed as Record<string, unknown>;
  if (!('algorithm' in object) || !('hash' in object)) return undefined;
  const text = (field: unknown) => (typeof field === 'string' ? field : JSON.stringify(field) ?? '');
  return { algorithm: text(object.algorithm), hash: text(object.hash) };
}

/**
 * The lowercase hex SHA-256 a WSO2 hash holds — the same value as our lookup hash of the secret — or
 * undefined when it was made with another algorithm (WSO2's `hash_token_algorithm`) or is not 64 hex digits.
 */
export function sha256OfWso2Hash(hash: Wso2Hash): string | undefined {
  return SHA256_NAME.test(hash.algorithm) && HEX_SHA256.test(hash.hash) ? hash.hash.toLowerCase() : undefined;
}

/**
 * WSO2's stored form of a SHA-256 hash, byte for byte as `HashingPersistenceProcessor` writes it.
 *
 * @example
 * ```ts
 * formatWso2Hash(lookupHash); // '{"hash":"9f86d0…","algorithm":"SHA-256"}'
 * ```
 */
export function formatWso2Hash(sha256Hex: string): string {
  if (!HEX_SHA256.test(sha256Hex)) throw new CryptoError('CIPHER_MALFORMED', 'a SHA-256 hash is 64 hex digits');
  return `{"hash":"${sha256Hex.toLowerCase()}","algorithm":"SHA-256"}`;
}
