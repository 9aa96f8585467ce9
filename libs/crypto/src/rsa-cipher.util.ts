import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { CryptoError } from './crypto.error.js';
import { Transformations, type Transformation } from './transformation.util.js';

/**
 * RSA encryption and decryption for one key and one transformation, with node:crypto only (OpenSSL; the
 * pure-JS alternatives take ~100x longer and block the event loop). Built once per key, used per token.
 */
export interface RsaCipher {
  /** Largest plaintext in bytes, for writeable transformations; undefined for read-only ones. */
  readonly maxPlaintextBytes: number | undefined;
  /** OAEP's digest (also MGF1's) as node:crypto names it, for writeable transformations; undefined for read-only ones. */
  readonly oaepHash: string | undefined;
  encrypt(plaintext: Buffer): Buffer;
  decrypt(ciphertext: Buffer): Buffer;
}

const OAEP_HASH: Partial<Record<Transformation, { hash: string; bytes: number }>> = {
  [Transformations.RsaOaepSha1]: { hash: 'sha1', bytes: 20 },
  // BouncyCastle uses the OAEP digest for MGF1 too; so does OpenSSL when only the OAEP digest is set.
  [Transformations.RsaOaepSha256]: { hash: 'sha256', bytes: 32 },
};

/** The RSA cipher of `transformation` (any RSA one) for a key pair whose modulus is `modulusBits` long. */
export function rsaCipher(transformation: Transformation, privateKey: KeyObject, publicKey: KeyObject, modulusBits: number): RsaCipher {
  const k = Math.ceil(modulusBits / 8);
  const oaep = OAEP_HASH[transformation];
  if (oaep) {
    const maxPlaintextBytes = k - 2 * oaep.bytes - 2;
    const encryptOptions = { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep.hash };
    const decryptOptions = { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep.hash };
    return {
      maxPlaintextBytes,
      oaepHash: oaep.hash,
      encrypt(plaintext) {
        if (plaintext.length > maxPlaintextBytes) {
          throw new CryptoError(
            'CIPHER_MALFORMED',
            `plaintext is ${plaintext.length} bytes; ${transformation} with a ${modulusBits}-bit key holds at most ${maxPlaintextBytes} bytes ` +
              '(use AES/GCM/NoPadding for longer secrets)',
            { bytes: plaintext.length, maxBytes: maxPlaintextBytes },
          );
        }
        return publicEncrypt(encryptOptions, plaintext);
      },
      decrypt(ciphertext) {
        checkLength(ciphertext, k);
        try {
          return privateDecrypt(decryptOptions, ciphertext);
        } catch {
          throw tampered(transformation);
        }
      },
    };
  }
  const raw = { key: privateKey, padding: constants.RSA_NO_PADDING };
  const readOnly = (): never => {
    throw new CryptoError('CIPHER_WRITE_FORBIDDEN', `${transformation} is read-only: new values are never written with it`);
  };
  if (transformation === Transformations.RsaPkcs1) {
    return {
      maxPlaintextBytes: undefined,
      oaepHash: undefined,
      encrypt: readOnly,
      decrypt(ciphertext) {
        checkLength(ciphertext, k);
        // Node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809, Marvin): decrypt raw and
        // check the v1.5 type-2 padding here. These are stored values, not an oracle an attacker can query.
        return unpadPkcs1Type2(rawDecrypt(raw, ciphertext, transformation));
      },
    };
  }
  if (transformation === Transformations.RsaRaw) {
    return {
      maxPlaintextBytes: undefined,
      oaepHash: undefined,
      encrypt: readOnly,
      decrypt(ciphertext) {
        if (ciphertext.length > k) throw new CryptoError('CIPHER_MALFORMED', `RSA ciphertext is ${ciphertext.length} bytes; the key's modulus is ${k}`);
        // BouncyCastle writes the full modulus length; left-pad anything shorter (it is a big-endian integer).
        const block = ciphertext.length === k ? ciphertext : Buffer.concat([Buffer.alloc(k - ciphertext.length), ciphertext]);
        const m = rawDecrypt(raw, block, transformation);
        // BouncyCastle turns the plaintext into a BigInteger and back: leading zero bytes are not part of it.
        let start = 0;
        while (start < m.length && m[start] === 0) start++;
        return m.subarray(start);
      },
    };
  }
  throw new CryptoError('CIPHER_UNSUPPORTED_TRANSFORMATION', `${transformation} is not an RSA transformation`);
}

function rawDecrypt(options: { key: KeyObject; padding: number }, ciphertext: Buffer, transformation: Transformation): Buffer {
  try {
    return privateDecrypt(options, ciphertext);
  } catch {
    // e.g. the ciphertext as an integer is not below this key's modulus: not made with this key
    throw tampered(transformation);
  }
}

function unpadPkcs1Type2(em: Buffer): Buffer {
  // EM = 0x00 || 0x02 || PS (>= 8 non-zero bytes) || 0x00 || M
  const separator = em[0] === 0 && em[1] === 2 ? em.indexOf(0, 2) : -1;
  if (separator < 10) throw tampered(Transformations.RsaPkcs1);
  return em.subarray(separator + 1);
}

function checkLength(ciphertext: Buffer, k: number): void {
  if (ciphertext.length !== k) {
    throw new CryptoError('CIPHER_MALFORMED', `RSA ciphertext is ${ciphertext.length} bytes; this key's ciphertexts are ${k}`, {
      bytes: ciphertext.length,
      expectedBytes: k,
    });
  }
}

function tampered(transformation: Transformation): CryptoError {
  return new CryptoError('CIPHER_TAMPERED', `${transformation} decryption failed: the value was altered or made with another key`);
}
