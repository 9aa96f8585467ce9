import { isUtf8 } from 'node:buffer';
import { CryptoError } from './crypto.error.js';
import { decodeBase64, decodeBase64ToLatin1 } from './encoding.util.js';
import { parseTransformation, Transformations, type Transformation } from './transformation.util.js';

/**
 * A stored value taken apart, without decrypting it. The three formats WSO2 Carbon writes:
 * - `wso2-rsa-self-contained`: `Base64({"c":Base64(ciphertext),"t":transformation,"tp":thumbprint,"tpd":"SHA-1"})`;
 * - `wso2-aes-gcm-self-contained`: `Base64({"c":Base64({"cipher":…,"initializationVector":…[,"keyId":…]}),"t":"AES/GCM/NoPadding","iv":…})`;
 * - `wso2-rsa-legacy-raw`: `Base64(ciphertext)` of raw RSA, from older releases, with no metadata at all.
 */
export type DecodedValue =
  | { format: 'wso2-rsa-self-contained'; transformation: Transformation; thumbprint: string; ciphertext: Buffer }
  | { format: 'wso2-aes-gcm-self-contained'; keyId?: string; iv: Buffer; ciphertextAndTag: Buffer }
  | { format: 'wso2-rsa-legacy-raw'; ciphertext: Buffer };

/** GCM tag length WSO2 uses (and the only one we accept): 128 bits. */
export const GCM_TAG_BYTES = 16;

const THUMBPRINT = /^[0-9A-Fa-f]{40}$/;
// WSO2 key ids are base64; anything printable is accepted (and simply matches no key), nothing else.
const KEY_ID = /^[\x21-\x7e]{1,200}$/;
// A raw RSA ciphertext is one modulus long: 512 to 16384-bit keys. Anything else that is not JSON is not ours.
const RAW_MIN_BYTES = 64;
const RAW_MAX_BYTES = 2048;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Identifies and takes apart a stored value in any of WSO2's formats (see {@link DecodedValue}). Does not
 * decrypt and needs no key.
 *
 * @throws {@link CryptoError} `CIPHER_MALFORMED` for anything that is not one of those formats (not base64,
 * wrong JSON shape, a field that is not base64, impossible lengths); `CIPHER_UNSUPPORTED_TRANSFORMATION`
 * for a well-formed envelope naming a transformation this library does not know.
 * @example
 * ```ts
 * const decoded = decodeStoredValue(row.access_token);
 * if (decoded.format === 'wso2-rsa-self-contained') console.log(decoded.transformation, decoded.thumbprint);
 * ```
 */
export function decodeStoredValue(stored: string): DecodedValue {
  if (typeof stored !== 'string' || stored.length === 0) throw malformed('stored value is empty or not a string');
  const binary = decodeBase64ToLatin1(stored, 'stored value');
  // A raw RSA ciphertext can start with '{' too (1 in 256), so only a parsed JSON object counts as an envelope.
  if (binary.charCodeAt(0) === OPEN_BRACE) {
    const envelope = parseEnvelopeJson(binary, OUTER_SHAPES);
    if (envelope) return decodeEnvelope(envelope);
  }
  if (binary.length < RAW_MIN_BYTES || binary.length > RAW_MAX_BYTES) {
    throw malformed(`stored value is neither a WSO2 JSON envelope nor a raw RSA ciphertext (${binary.length} bytes)`);
  }
  return { format: 'wso2-rsa-legacy-raw', ciphertext: Buffer.from(binary, 'latin1') };
}

function decodeEnvelope(envelope: Record<string, unknown>): DecodedValue {
  const c = stringField(envelope, 'c', 'envelope');
  const transformation = parseTransformation(stringField(envelope, 't', 'envelope'));
  if (transformation === Transformations.AesGcm) return decodeAesEnvelope(envelope, c);
  const tp = stringField(envelope, 'tp', 'envelope');
  if (!THUMBPRINT.test(tp)) throw malformed('envelope field "tp" is not a SHA-1 thumbprint');
  const tpd = envelope['tpd'];
  if (tpd !== undefined && tpd !== 'SHA-1') throw malformed('envelope field "tpd" names a digest other than SHA-1');
  const ciphertext = decodeBase64(c, 'envelope field "c"');
  if (ciphertext.length === 0) throw malformed('RSA ciphertext is empty');
  return { format: 'wso2-rsa-self-contained', transformation, thumbprint: tp.toUpperCase(), ciphertext };
}

function decodeAesEnvelope(outer: Record<string, unknown>, c: string): DecodedValue {
  const inner = parseEnvelopeJson(decodeBase64ToLatin1(c, 'envelope field "c"'), INNER_AES_SHAPES);
  if (!inner) throw malformed('AES envelope field "c" does not hold the expected JSON object');
  const ciphertextAndTag = decodeBase64(stringField(inner, 'cipher', 'AES envelope'), 'AES field "cipher"');
  const ivText = stringField(inner, 'initializationVector', 'AES envelope');
  const iv = decodeBase64(ivText, 'AES field "initializationVector"');
  if (iv.length === 0) throw malformed('AES initialization vector is empty');
  // WSO2 writes the IV twice (outer "iv", inner "initializationVector"); two different IVs mean damage.
  const outerIv = outer['iv'];
  if (outerIv !== undefined && outerIv !== ivText && (typeof outerIv !== 'string' || !decodeBase64(outerIv, 'envelope field "iv"').equals(iv))) {
    throw malformed('AES envelope carries two different initialization vectors');
  }
  // WSO2 writes an empty "cipher" (no tag) for an empty plaintext; otherwise at least the 16-byte tag is there.
  if (ciphertextAndTag.length > 0 && ciphertextAndTag.length < GCM_TAG_BYTES) throw malformed('AES ciphertext is shorter than its tag');
  const keyId = inner['keyId'];
  if (keyId === undefined || keyId === null) return { format: 'wso2-aes-gcm-self-contained', iv, ciphertextAndTag };
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) throw malformed('AES field "keyId" is not a key id');
  return { format: 'wso2-aes-gcm-self-contained', keyId, iv, ciphertextAndTag };
}

// The exact shapes WSO2 (Gson) writes, key order included; values are base64, hex or transformation names,
// so they hold no quote and no escape but Gson's \u003d for '='. Matching these with indexOf instead of
// JSON.parse halves the cost of reading a value; anything else (other order, spaces, escapes) goes to JSON.parse.
type Shape = readonly { key: string; opening: string }[];
const shape = (...keys: string[]): Shape => keys.map((key, i) => ({ key, opening: `${i === 0 ? '{' : ','}"${key}":"` }));
const OUTER_SHAPES: readonly Shape[] = [shape('c', 't', 'tp', 'tpd'), shape('c', 't', 'iv')];
const INNER_AES_SHAPES: readonly Shape[] = [shape('cipher', 'initializationVector', 'keyId'), shape('cipher', 'initializationVector')];
const ESCAPED_EQUALS = /\\u003d/g;

/**
 * The JSON object in `binary` (one character per byte), or undefined when it is not one (not UTF-8, not
 * JSON, not an object). The exact-shape match runs on the bytes as they are: every field it returns is then
 * checked against an ASCII-only format (base64, hex, a known name, a printable key id), so no UTF-8 decoding
 * is needed there.
 */
function parseEnvelopeJson(binary: string, shapes: readonly Shape[]): Record<string, unknown> | undefined {
  for (const fieldsShape of shapes) {
    const fields = matchFlatObject(binary, fieldsShape);
    if (fields) return fields;
  }
  const bytes = Buffer.from(binary, 'latin1');
  return isUtf8(bytes) ? parseJsonObject(bytes.toString('utf8')) : undefined;
}

/** `{"k1":"v1",…,"kn":"vn"}` exactly, with plain values (or \u003d escapes): the same result JSON.parse gives. */
function matchFlatObject(text: string, fieldsShape: Shape): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  let at = 0;
  for (const { key, opening } of fieldsShape) {
    if (!text.startsWith(opening, at)) return undefined;
    const start = at + opening.length;
    const end = text.indexOf('"', start);
    if (end < 0) return undefined;
    let value = text.slice(start, end);
    if (value.includes('\\')) {
      value = value.replace(ESCAPED_EQUALS, '=');
      if (value.includes('\\')) return undefined;
    }
    fields[key] = value;
    at = end + 1;
  }
  return at === text.length - 1 && text.charCodeAt(at) === CLOSE_BRACE ? fields : undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringField(object: Record<string, unknown>, name: string, where: string): string {
  const value = object[name];
  if (typeof value !== 'string') throw malformed(`${where} has no string field "${name}"`);
  return value;
}

function malformed(message: string): CryptoError {
  return new CryptoError('CIPHER_MALFORMED', message);
}

/**
 * Writes RSA values exactly as WSO2 does: Gson with HTML escaping on, so the `=` padding of `c` becomes
 * `\u003d`; key order c, t, tp, tpd. The constant parts are built once per key, as this runs per token.
 */
export function rsaEnvelopeWriter(transformation: Transformation, thumbprint: string): (ciphertext: Buffer) => string {
  const prefix = '{"c":"';
  const suffix = `","t":"${transformation}","tp":"${thumbprint}","tpd":"SHA-1"}`;
  return (ciphertext) => Buffer.from(prefix + ciphertext.toString('base64').replaceAll('=', '\\u003d') + suffix, 'latin1').toString('base64');
}

/**
 * Writes AES-GCM values exactly as WSO2 does (both JSON levels without HTML escaping, as in WSO2's own
 * values): inner `{"cipher","initializationVector","keyId"}`, outer `{"c","t","iv"}`. The key id is always
 * written so that readers holding several keys pick the right one.
 */
export function aesEnvelopeWriter(keyId: string): (iv: Buffer, ciphertextAndTag: Buffer) => string {
  const innerSuffix = `","keyId":"${keyId}"}`;
  return (iv, ciphertextAndTag) => {
    const ivBase64 = iv.toString('base64');
    const inner = `{"cipher":"${ciphertextAndTag.toString('base64')}","initializationVector":"${ivBase64}${innerSuffix}`;
    const outer = `{"c":"${Buffer.from(inner, 'latin1').toString('base64')}","t":"AES/GCM/NoPadding","iv":"${ivBase64}"}`;
    return Buffer.from(outer, 'latin1').toString('base64');
  };
}
