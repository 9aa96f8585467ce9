import { createHash } from 'node:crypto';

/**
 * Selectors: the non-secret part of a token that names its row, so that a token is found by a key in time
 * order instead of by its hash (the "split token" pattern: a public selector to look up, a secret verifier to
 * check). At millions of stored tokens a random lookup key sends every insert to a random leaf of its index —
 * a page PostgreSQL must read and, the first time after each checkpoint, write whole to its WAL — while keys in
 * time order all land on the index's rightmost leaf (docs/benchmarks.md, table-size).
 *
 * The Key Manager's opaque secrets (access and refresh tokens, authorization and device codes) are 48 bytes,
 * base64url (64 characters): a UUIDv7 (RFC 9562 §5.7: 48 bits of Unix milliseconds, 74 random bits) and then
 * 32 random bytes. The selector tells the time the secret was made, to the millisecond — what a token's `iat`
 * tells anyway; the 256 bits after it are the secret. A JWT's `jti` is a UUIDv7, but it is also the row's
 * stored secret (WSO2 encrypts it like an opaque token), so its selector is not the jti itself: the jti's
 * time, and then 74 bits of the jti's SHA-256 (which the row stores whole anyway, as its lookup hash).
 *
 * A token is always checked against its row's stored hash of the whole token; the selector only finds the row.
 * Tokens without one (issued before selectors, or imported from WSO2, whose opaque tokens are UUIDv4s) are
 * found by their hash, as before.
 */

/** Bytes of a selector secret: the UUIDv7, then the 32 secret bytes. */
export const SELECTOR_SECRET_BYTES = 48;
const UUID_BYTES = 16;
const SELECTOR_SECRET = /^[A-Za-z0-9_-]{64}$/;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Makes the first 16 bytes of `bytes` (random) a UUIDv7 of `nowMs`: the time, the version and the variant. */
export function stampUuidV7(bytes: Buffer, nowMs: number): void {
  bytes.writeUIntBE(Math.trunc(nowMs), 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
}

/** The 16 bytes as a UUID string (lowercase, hyphenated). */
export function formatUuid(bytes: Buffer): string {
  const h = bytes.toString('hex', 0, UUID_BYTES);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The selector of an opaque token of the selector format, or null for any other token (found by its hash). */
export function selectorOfSecret(token: string): string | null {
  if (token.length !== 64 || !SELECTOR_SECRET.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  // 64 base64url characters are exactly 48 bytes: no padding, no spare bits.
  if ((bytes[6]! & 0xf0) !== 0x70 || (bytes[8]! & 0xc0) !== 0x80) return null;
  return formatUuid(bytes);
}

/**
 * The selector of a JWT by its `jti` when the jti is a UUIDv7 (as this Key Manager issues them), else null: a
 * UUIDv7 of the jti's time whose other bits come from the jti's SHA-256, so the jti is not stored in the clear.
 */
export function selectorOfJti(jti: string): string | null {
  if (jti.length !== 36 || !UUID_V7.test(jti)) return null;
  const bytes = createHash('sha256').update(jti, 'latin1').digest();
  bytes.write(jti.slice(0, 8) + jti.slice(9, 13), 0, 6, 'hex');
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  return formatUuid(bytes);
}
