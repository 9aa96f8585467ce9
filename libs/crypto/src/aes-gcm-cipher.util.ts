import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes, type KeyObject } from 'node:crypto';
import { CryptoError } from './crypto.error.js';
import { GCM_TAG_BYTES } from './stored-value.codec.js';

/**
 * IV length for new values: 12 bytes, NIST SP 800-38D's recommended size (GCM uses it directly instead of
 * hashing it). WSO2 writes 128-byte IVs but reads any length, because it takes the IV from the value; so do we.
 */
export const GCM_WRITE_IV_BYTES = 12;

// randomBytes costs ~3 µs per call whatever the size (more than the encryption itself), so IVs are cut from
// a pooled CSPRNG buffer, as crypto.randomUUID does. Each refill is a new buffer, never overwritten: every IV
// handed out stays unique and valid however long a caller keeps it.
const IV_POOL_BYTES = GCM_WRITE_IV_BYTES * 512;
let ivPool = Buffer.alloc(0);
let ivPoolOffset = 0;

function freshIv(): Buffer {
  if (ivPoolOffset + GCM_WRITE_IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivPoolOffset = 0;
  }
  const iv = ivPool.subarray(ivPoolOffset, ivPoolOffset + GCM_WRITE_IV_BYTES);
  ivPoolOffset += GCM_WRITE_IV_BYTES;
  return iv;
}

/** AES-GCM with a 128-bit tag for one key, with node:crypto only. */
export interface AesGcmCipher {
  /** Fresh random IV per call; returns ciphertext followed by the tag, as WSO2 stores it. */
  encrypt(plaintext: Buffer): { iv: Buffer; ciphertextAndTag: Buffer };
  decrypt(iv: Buffer, ciphertextAndTag: Buffer): Buffer;
}

/** The cipher for a secret KeyObject of 16, 24 or 32 bytes. */
export function aesGcmCipher(key: KeyObject): AesGcmCipher {
  const algorithm = `aes-${(key.symmetricKeySize ?? 0) * 8}-gcm` as CipherGCMTypes;
  return {
    encrypt(plaintext) {
      const iv = freshIv();
      const cipher = createCipheriv(algorithm, key, iv, { authTagLength: GCM_TAG_BYTES });
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return { iv, ciphertextAndTag: Buffer.concat([head, tail, cipher.getAuthTag()]) };
    },
    decrypt(iv, ciphertextAndTag) {
      const split = ciphertextAndTag.length - GCM_TAG_BYTES;
      if (split < 0) throw new CryptoError('CIPHER_MALFORMED', 'AES ciphertext is shorter than its tag');
      try {
        const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: GCM_TAG_BYTES });
        decipher.setAuthTag(ciphertextAndTag.subarray(split));
        const head = decipher.update(ciphertextAndTag.subarray(0, split));
        const tail = decipher.final(); // GCM returns nothing here, but it is where the tag is checked
        return tail.length === 0 ? head : Buffer.concat([head, tail]);
      } catch {
        throw new CryptoError('CIPHER_TAMPERED', 'AES-GCM authentication failed: the value was altered or made with another key');
      }
    },
  };
}
