import { randomBytes, randomFillSync } from 'node:crypto';

/** Random bytes per issued secret: 256 bits. */
export const SECRET_BYTES = 32;

// randomBytes costs ~3 µs per call whatever the size (more under load), about as much as the rest of an
// opaque token's issuance without encryption; so secrets are cut from a pooled CSPRNG buffer, as
// crypto.randomUUID does. The pool is small (32 secrets) and each secret's bytes are zeroed once encoded,
// so memory holds at most the next few secrets, never the ones handed out.
const POOL_SECRETS = 32;
const pool = Buffer.alloc(SECRET_BYTES * POOL_SECRETS);
let poolOffset = pool.length;

/** 256 bits from the CSPRNG, base64url (43 characters): opaque tokens, refresh tokens, codes, client secrets. */
export function newSecret(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + SECRET_BYTES);
  poolOffset += SECRET_BYTES;
  const secret = bytes.toString('base64url');
  bytes.fill(0);
  return secret;
}

/** Client ids are not secret; 144 random bits keep them unguessable and short (24 characters). */
export function newClientId(): string {
  return randomBytes(18).toString('base64url');
}
