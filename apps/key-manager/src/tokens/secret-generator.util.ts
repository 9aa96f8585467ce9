import { randomBytes } from 'node:crypto';

/** Random bytes per issued secret: 256 bits. */
export const SECRET_BYTES = 32;

/** 256 bits from the CSPRNG, base64url (43 characters): opaque tokens, refresh tokens, codes, client secrets. */
export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** Client ids are not secret; 144 random bits keep them unguessable and short (24 characters). */
export function newClientId(): string {
  return randomBytes(18).toString('base64url');
}
