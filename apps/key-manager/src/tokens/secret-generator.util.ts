import { randomBytes, randomFillSync } from 'node:crypto';
import { SELECTOR_SECRET_BYTES, stampUuidV7 } from '@app/crypto';

/** Random bytes of a client secret: 256 bits. */
export const SECRET_BYTES = 32;

// randomBytes costs ~3 µs per call whatever the size (more under load), about as much as the rest of an
// opaque token's issuance without encryption; so secrets are cut from a pooled CSPRNG buffer, as
// crypto.randomUUID does. The pool is small (32 secrets) and each secret's bytes are zeroed once encoded,
// so memory holds at most the next few secrets, never the ones handed out.
const POOL_SECRETS = 32;
const pool = Buffer.alloc(SELECTOR_SECRET_BYTES * POOL_SECRETS);
let poolOffset = pool.length;

function take(bytes: number): Buffer {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const taken = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return taken;
}

/** 256 bits from the CSPRNG, base64url (43 characters): client secrets. */
export function newSecret(): string {
  const bytes = take(SECRET_BYTES);
  const secret = bytes.toString('base64url');
  bytes.fill(0);
  return secret;
}

/**
 * An opaque token, refresh token or code: a UUIDv7 selector of `nowMs` and 256 random bits, base64url (64
 * characters; `selectorOfSecret` in @app/crypto reads the selector back).
 */
export function newSelectorSecret(nowMs = Date.now()): string {
  const bytes = take(SELECTOR_SECRET_BYTES);
  stampUuidV7(bytes, nowMs);
  const secret = bytes.toString('base64url');
  bytes.fill(0);
  return secret;
}

/** Client ids are not secret; 144 random bits keep them unguessable and short (24 characters). */
export function newClientId(): string {
  return randomBytes(18).toString('base64url');
}
