import { constants, createHash, createPublicKey, publicEncrypt } from 'node:crypto';
import fc from 'fast-check';
import {
  CryptoError,
  decodeStoredValue,
  formatWso2Hash,
  HASHED_SCHEME,
  Keyring,
  loadKeystore,
  parseSymmetricKey,
  PLAIN_SCHEME,
  SecretCipher,
  Transformations,
  type CryptoErrorCode,
  type KeystoreKey,
  type SymmetricKey,
  type Transformation,
} from './index.js';
import { generatedKeystore, PRIMARY, readVectors, temporaryDirectory } from './test/crypto.fixtures.js';

const TOKEN = '6c4cec2a-851f-ff74-90f8-76f22b5b4142';
const { vectors } = readVectors();

let primary: KeystoreKey;
let other: KeystoreKey;
let aes: SymmetricKey;
let otherAes: SymmetricKey;
let keyring: Keyring;
const temp = temporaryDirectory();

beforeAll(async () => {
  primary = await loadKeystore(PRIMARY.PKCS12);
  other = await generatedKeystore(temp.dir);
  aes = parseSymmetricKey('956bde61e39c9602e4043b11a648faf4c270f43c8c4925c7f202e0971d594b9b');
  otherAes = parseSymmetricKey('03BAFEB27A8E871CAD83C5CD4E771DAB');
  keyring = Keyring.create({ rsa: [primary, other], symmetric: [aes, otherAes] });
  // Generating an RSA key takes seconds on a loaded machine: more than jest's default hook timeout.
}, 60_000);
afterAll(() => temp.cleanup());

function writer(transformation: Transformation, ring = keyring): SecretCipher {
  return new SecretCipher(ring, { enabled: true, transformation, rsaKeyId: primary.thumbprint, symmetricKeyId: aes.keyId });
}

/** The code of the CryptoError thrown by `action`; fails the test if it throws anything else or nothing. */
function codeOf(action: () => unknown): CryptoErrorCode {
  try {
    action();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError, but nothing was thrown');
}

function errorOf(action: () => unknown): CryptoError {
  try {
    action();
  } catch (error) {
    if (error instanceof CryptoError) return error;
    throw error;
  }
  throw new Error('expected a CryptoError, but nothing was thrown');
}

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('latin1');

/** Replaces every JSON string value by a placeholder, keeping keys, order and escaping style. */
function shapeOf(json: string): string {
  return json.replace(/":"(?:[^"\\]|\\.)*"/g, '":"…"');
}

const WRITABLE = [Transformations.RsaOaepSha1, Transformations.RsaOaepSha256, Transformations.AesGcm] as const;

describe('SecretCipher: writing', () => {
  it.each(WRITABLE)('%s round-trips through open (recorded scheme) and openAny', (transformation) => {
    const cipher = writer(transformation);
    const { stored, scheme } = cipher.seal(TOKEN);
    expect(stored).not.toContain(TOKEN);
    expect(scheme).toBe(cipher.writeScheme);
    expect(scheme).toBe(`${transformation}:${transformation === Transformations.AesGcm ? aes.keyId : primary.thumbprint}`);
    expect(cipher.open(stored, scheme)).toBe(TOKEN);
    expect(cipher.openAny(stored)).toEqual({ plaintext: TOKEN, scheme });
  });

  it.each([Transformations.RsaOaepSha1, Transformations.RsaOaepSha256])('%s writes exactly WSO2 outer JSON: c, t, tp, tpd with = as \\u003d', (transformation) => {
    const { stored } = writer(transformation).seal(TOKEN);
    const json = unb64(stored);
    expect(json).toMatch(
      new RegExp(`^\\{"c":"[A-Za-z0-9+/]+(\\\\u003d){0,2}","t":"${transformation.replace(/\//g, '\\/')}","tp":"${primary.thumbprint}","tpd":"SHA-1"\\}$`),
    );
    expect(json).not.toContain('=');
    const wso2 = vectors.find((v) => v.transformation === transformation)!;
    expect(shapeOf(json)).toBe(shapeOf(unb64(wso2.stored)));
    expect(stored).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  });

  it('AES/GCM/NoPadding writes the nested JSON of WSO2 values with a keyId, with a fresh 12-byte IV each time', () => {
    const cipher = writer(Transformations.AesGcm);
    const first = cipher.seal(TOKEN).stored;
    const second = cipher.seal(TOKEN).stored;
    expect(first).not.toBe(second);

    const wso2 = vectors.find((v) => v.format === 'wso2-aes-gcm-self-contained' && v.withKeyId)!;
    const outer = unb64(first);
    const wso2Outer = unb64(wso2.stored);
    expect(shapeOf(outer)).toBe(shapeOf(wso2Outer));
    const inner = unb64(JSON.parse(outer).c);
    expect(shapeOf(inner)).toBe(shapeOf(unb64(JSON.parse(wso2Outer).c)));
    expect(JSON.parse(inner).keyId).toBe(aes.keyId);
    // Neither level escapes '=' (WSO2 serialises these without HTML escaping).
    expect(outer).not.toContain('\\u003d');
    expect(inner).toContain(`"keyId":"${aes.keyId}"`);

    const decoded = decodeStoredValue(first);
    if (decoded.format !== 'wso2-aes-gcm-self-contained') throw new Error(decoded.format);
    expect(decoded.iv).toHaveLength(12);
    expect(decoded.ciphertextAndTag).toHaveLength(Buffer.byteLength(TOKEN) + 16);
    expect(decoded.iv.equals(Buffer.from(JSON.parse(outer).iv, 'base64'))).toBe(true);
  });

  it("writes '' as a real authenticated AES value (tag only), and reads it back", () => {
    const cipher = writer(Transformations.AesGcm);
    const { stored, scheme } = cipher.seal('');
    const decoded = decodeStoredValue(stored);
    expect(decoded.format === 'wso2-aes-gcm-self-contained' && decoded.ciphertextAndTag.length).toBe(16);
    expect(cipher.open(stored, scheme)).toBe('');
  });

  it('stores the plaintext as-is under the plain scheme when disabled', () => {
    const cipher = new SecretCipher(keyring, { enabled: false, transformation: Transformations.RsaOaepSha1 });
    expect(cipher.writeScheme).toBe(PLAIN_SCHEME);
    expect(cipher.seal(TOKEN)).toEqual({ stored: TOKEN, scheme: PLAIN_SCHEME });
    expect(cipher.open(TOKEN, PLAIN_SCHEME)).toBe(TOKEN);
  });

  it('refuses to write legacy transformations, and unknown ones', () => {
    expect(codeOf(() => writer(Transformations.RsaPkcs1))).toBe('CIPHER_WRITE_FORBIDDEN');
    expect(codeOf(() => writer(Transformations.RsaRaw))).toBe('CIPHER_WRITE_FORBIDDEN');
    expect(codeOf(() => writer('RSA/ECB/OAEPWithSHA-512AndMGF1Padding' as Transformation))).toBe('CIPHER_UNSUPPORTED_TRANSFORMATION');
  });

  it('refuses a write key the keyring does not hold', () => {
    const rsaOnly = Keyring.create({ rsa: [primary], symmetric: [] });
    expect(codeOf(() => new SecretCipher(rsaOnly, { enabled: true, transformation: Transformations.RsaOaepSha1, rsaKeyId: other.thumbprint }))).toBe(
      'CIPHER_KEY_UNAVAILABLE',
    );
    expect(codeOf(() => new SecretCipher(rsaOnly, { enabled: true, transformation: Transformations.AesGcm }))).toBe('CIPHER_KEY_UNAVAILABLE');
    expect(codeOf(() => new SecretCipher(rsaOnly, { enabled: true, transformation: Transformations.AesGcm, symmetricKeyId: aes.keyId }))).toBe(
      'CIPHER_KEY_UNAVAILABLE',
    );
  });

  it("writes with the keyring's first key of the right kind when no key id is given", () => {
    const cipher = new SecretCipher(keyring, { enabled: true, transformation: Transformations.RsaOaepSha256 });
    expect(cipher.writeScheme).toBe(`${Transformations.RsaOaepSha256}:${primary.thumbprint}`);
  });

  it('says how long RSA plaintexts may be, and refuses longer ones without echoing them', () => {
    const sha1 = writer(Transformations.RsaOaepSha1);
    const sha256 = writer(Transformations.RsaOaepSha256);
    expect(sha1.open(sha1.seal('a'.repeat(214)).stored, sha1.writeScheme)).toBe('a'.repeat(214));
    expect(sha1.open(sha1.seal('é'.repeat(107)).stored, sha1.writeScheme)).toBe('é'.repeat(107));
    expect(sha256.open(sha256.seal('b'.repeat(190)).stored, sha256.writeScheme)).toBe('b'.repeat(190));
    const secret = `${'s3cr3t'.repeat(35)}x`; // 211 characters: fine for SHA-1, too long for SHA-256
    expect(() => sha1.seal(secret)).not.toThrow();
    const error = errorOf(() => sha256.seal(secret));
    expect(error.code).toBe('CIPHER_MALFORMED');
    expect(error.message).toContain('at most 190 bytes');
    expect(error.message).not.toContain('s3cr3t');
    expect(codeOf(() => sha1.seal('a'.repeat(215)))).toBe('CIPHER_MALFORMED');
  });

  it('refuses plaintexts UTF-8 cannot carry (lone surrogates) instead of corrupting them', () => {
    expect(codeOf(() => writer(Transformations.AesGcm).seal('abc\uD800def'))).toBe('CIPHER_MALFORMED');
  });
});

describe('SecretCipher: RSA-OAEP encryption done elsewhere', () => {
  it.each([Transformations.RsaOaepSha1, Transformations.RsaOaepSha256])('%s: a ciphertext made with rsaWriteKey alone is stored exactly as seal() stores', (transformation) => {
    const cipher = writer(transformation);
    const key = cipher.rsaWriteKey!;
    expect(key).toMatchObject({ ciphertextBytes: 256, oaepHash: transformation === Transformations.RsaOaepSha1 ? 'sha1' : 'sha256' });
    // What a worker thread does with the public half only.
    const ciphertext = publicEncrypt(
      { key: createPublicKey({ key: key.publicKeyDer, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: key.oaepHash },
      Buffer.from(TOKEN),
    );
    const made = cipher.storedFromCiphertext(ciphertext);
    expect(made.scheme).toBe(cipher.writeScheme);
    expect(cipher.open(made.stored, made.scheme)).toBe(TOKEN);
    const sealed = cipher.seal(TOKEN);
    const [a, b] = [decodeStoredValue(made.stored), decodeStoredValue(sealed.stored)];
    expect({ ...a, ciphertext: undefined }).toEqual({ ...b, ciphertext: undefined });
  });

  it('is offered only by ciphers that write RSA-OAEP; other ciphers and wrong lengths are refused', () => {
    const plain = new SecretCipher(keyring, { enabled: false, transformation: Transformations.RsaOaepSha1 });
    const aesWriter = writer(Transformations.AesGcm);
    expect(plain.rsaWriteKey).toBeUndefined();
    expect(aesWriter.rsaWriteKey).toBeUndefined();
    expect(codeOf(() => plain.storedFromCiphertext(Buffer.alloc(256)))).toBe('CIPHER_WRITE_FORBIDDEN');
    expect(codeOf(() => aesWriter.storedFromCiphertext(Buffer.alloc(256)))).toBe('CIPHER_WRITE_FORBIDDEN');
    expect(codeOf(() => writer(Transformations.RsaOaepSha1).storedFromCiphertext(Buffer.alloc(255)))).toBe('CIPHER_MALFORMED');
  });
});

describe('SecretCipher: round trips over arbitrary Unicode (fast-check)', () => {
  const maxBytes: Record<string, number> = { [Transformations.RsaOaepSha1]: 214, [Transformations.RsaOaepSha256]: 190 };

  it.each([Transformations.RsaOaepSha1, Transformations.RsaOaepSha256])('%s: round trip up to the key limit, a clear error above it', (transformation) => {
    const cipher = writer(transformation);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), (text) => {
        if (Buffer.byteLength(text) <= maxBytes[transformation]!) {
          const { stored, scheme } = cipher.seal(text);
          expect(cipher.open(stored, scheme)).toBe(text);
        } else {
          expect(codeOf(() => cipher.seal(text))).toBe('CIPHER_MALFORMED');
        }
      }),
      { numRuns: 150, examples: [[''], ['\uFEFFbom'], ['𝄞 emoji 👩‍👩‍👧']] },
    );
  });

  it('AES/GCM/NoPadding: round trip at any length', () => {
    const cipher = writer(Transformations.AesGcm);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), (text) => {
        const { stored, scheme } = cipher.seal(text);
        expect(cipher.open(stored, scheme)).toBe(text);
      }),
      { numRuns: 300, examples: [[''], ['\uFEFF'], ['x'.repeat(100_000)]] },
    );
  });
});

describe('SecretCipher: reading failures are coded errors, never plaintext', () => {
  /** Rebuilds an RSA value with its ciphertext changed by `edit`. */
  function editRsa(stored: string, edit: (c: Buffer) => Buffer): string {
    const envelope = JSON.parse(unb64(stored));
    envelope.c = edit(Buffer.from(envelope.c, 'base64')).toString('base64');
    return b64(JSON.stringify(envelope));
  }
  /** Rebuilds an AES value with its inner JSON changed by `edit`. */
  function editAes(stored: string, edit: (inner: Record<string, string>) => void): string {
    const outer = JSON.parse(unb64(stored));
    const inner = JSON.parse(unb64(outer.c));
    edit(inner);
    outer.c = b64(JSON.stringify(inner));
    if (inner.initializationVector) outer.iv = inner.initializationVector;
    return b64(JSON.stringify(outer));
  }
  const flip = (field: string, at = 5) => (inner: Record<string, string>) => {
    const bytes = Buffer.from(inner[field]!, 'base64');
    bytes[at] = bytes[at]! ^ 0x01;
    inner[field] = bytes.toString('base64');
  };
  const flipByte = (c: Buffer) => {
    const copy = Buffer.from(c);
    copy[100] = copy[100]! ^ 0x01;
    return copy;
  };

  it.each(WRITABLE)('%s: a flipped ciphertext byte is CIPHER_TAMPERED', (transformation) => {
    const cipher = writer(transformation);
    const { stored, scheme } = cipher.seal(TOKEN);
    const tampered =
      transformation === Transformations.AesGcm ? editAes(stored, flip('cipher')) : editRsa(stored, flipByte);
    const error = errorOf(() => cipher.open(tampered, scheme));
    expect(error.code).toBe('CIPHER_TAMPERED');
    expect(error.message).not.toContain(TOKEN);
  });

  it('AES: a flipped tag or IV byte is CIPHER_TAMPERED', () => {
    const cipher = writer(Transformations.AesGcm);
    const { stored, scheme } = cipher.seal(TOKEN);
    const tagAt = Buffer.byteLength(TOKEN) + 3;
    expect(codeOf(() => cipher.open(editAes(stored, flip('cipher', tagAt)), scheme))).toBe('CIPHER_TAMPERED');
    expect(codeOf(() => cipher.open(editAes(stored, flip('initializationVector', 2)), scheme))).toBe('CIPHER_TAMPERED');
  });

  it('legacy PKCS#1 v1.5 and raw RSA values that were altered are CIPHER_TAMPERED', () => {
    const reader = new SecretCipher(keyring, { enabled: false, transformation: Transformations.RsaOaepSha1 });
    const pkcs1 = vectors.find((v) => v.transformation === Transformations.RsaPkcs1)!;
    expect(codeOf(() => reader.open(editRsa(pkcs1.stored, flipByte), `${Transformations.RsaPkcs1}:${primary.thumbprint}`))).toBe('CIPHER_TAMPERED');
    const raw = vectors.find((v) => v.format === 'wso2-rsa-legacy-raw')!;
    const alteredRaw = flipByte(Buffer.from(raw.stored, 'base64')).toString('base64');
    expect(codeOf(() => reader.open(alteredRaw, `RSA:${primary.thumbprint}`))).toBe('CIPHER_TAMPERED');
  });

  it('PKCS#1 v1.5: the type-2 padding is checked here (node refuses to), and bad padding is CIPHER_TAMPERED', () => {
    const reader = new SecretCipher(keyring, { enabled: false, transformation: Transformations.RsaOaepSha1 });
    const scheme = `${Transformations.RsaPkcs1}:${primary.thumbprint}`;
    /** An RSA/ECB/PKCS1Padding value whose 256-byte block is 00 ‖ type ‖ PS ‖ separator ‖ filler text. */
    const value = (type: number, psLength: number, separator = 0) => {
      const head = Buffer.from([0, type, ...Buffer.alloc(psLength, 0x5a), separator]);
      const block = Buffer.concat([head, Buffer.alloc(256 - head.length, 0x61)]);
      const c = publicEncrypt({ key: primary.publicKey, padding: constants.RSA_NO_PADDING }, block).toString('base64');
      return b64(JSON.stringify({ c, t: Transformations.RsaPkcs1, tp: primary.thumbprint, tpd: 'SHA-1' }));
    };
    expect(reader.open(value(2, 8), scheme)).toBe('a'.repeat(245));
    expect(codeOf(() => reader.open(value(2, 7), scheme))).toBe('CIPHER_TAMPERED'); // padding string shorter than 8 bytes
    expect(codeOf(() => reader.open(value(1, 8), scheme))).toBe('CIPHER_TAMPERED'); // block type 1 (signatures)
    expect(codeOf(() => reader.open(value(2, 8, 0x5a), scheme))).toBe('CIPHER_TAMPERED'); // no separator at all
  });

  it('a value made with another key: CIPHER_KEY_UNAVAILABLE when the key is not held', () => {
    const primaryOnly = Keyring.create({ rsa: [primary], symmetric: [aes] });
    const reader = new SecretCipher(primaryOnly, { enabled: false, transformation: Transformations.RsaOaepSha1 });
    const byOther = new SecretCipher(keyring, { enabled: true, transformation: Transformations.RsaOaepSha1, rsaKeyId: other.thumbprint }).seal(TOKEN);
    expect(reader.canRead(byOther.scheme)).toBe(false);
    const error = errorOf(() => reader.open(byOther.stored, byOther.scheme));
    expect(error.code).toBe('CIPHER_KEY_UNAVAILABLE');
    expect(error.details?.keyId).toBe(other.thumbprint);
    expect(codeOf(() => reader.openAny(byOther.stored))).toBe('CIPHER_KEY_UNAVAILABLE');

    const byOtherAes = new SecretCipher(keyring, { enabled: true, transformation: Transformations.AesGcm, symmetricKeyId: otherAes.keyId }).seal(TOKEN);
    expect(codeOf(() => reader.open(byOtherAes.stored, byOtherAes.scheme))).toBe('CIPHER_KEY_UNAVAILABLE');
    expect(codeOf(() => reader.openAny(byOtherAes.stored))).toBe('CIPHER_KEY_UNAVAILABLE');
  });

  it('a value made with another key but recorded under a held one: CIPHER_TAMPERED', () => {
    // AES without keyId (as older WSO2 writes it) under the scheme of a different held key
    const byOtherAes = new SecretCipher(keyring, { enabled: true, transformation: Transformations.AesGcm, symmetricKeyId: otherAes.keyId }).seal(TOKEN);
    const withoutKeyId = editAes(byOtherAes.stored, (inner) => delete inner.keyId);
    expect(codeOf(() => writer(Transformations.AesGcm).open(withoutKeyId, `${Transformations.AesGcm}:${aes.keyId}`))).toBe('CIPHER_TAMPERED');
    // openAny tries every AES key and finds the right one
    expect(writer(Transformations.AesGcm).openAny(withoutKeyId)).toEqual({ plaintext: TOKEN, scheme: byOtherAes.scheme });

    // raw RSA made with the other key, read as the primary's
    const raw = vectors.find((v) => v.format === 'wso2-rsa-legacy-raw')!;
    const otherOnly = new SecretCipher(Keyring.create({ rsa: [other], symmetric: [] }), { enabled: false, transformation: Transformations.RsaOaepSha1 });
    expect(codeOf(() => otherOnly.open(raw.stored, `RSA:${other.thumbprint}`))).toBe('CIPHER_TAMPERED');
    expect(codeOf(() => otherOnly.openAny(raw.stored))).toBe('CIPHER_KEY_UNAVAILABLE');
  });

  it('truncated values are CIPHER_MALFORMED', () => {
    for (const transformation of WRITABLE) {
      const cipher = writer(transformation);
      const { stored, scheme } = cipher.seal(TOKEN);
      expect(codeOf(() => cipher.open(stored.slice(0, -6), scheme))).toBe('CIPHER_MALFORMED');
      expect(codeOf(() => cipher.open(stored.slice(0, 40), scheme))).toBe('CIPHER_MALFORMED');
    }
    const rsa = writer(Transformations.RsaOaepSha1);
    const { stored, scheme } = rsa.seal(TOKEN);
    expect(codeOf(() => rsa.open(editRsa(stored, (c) => c.subarray(0, 200)), scheme))).toBe('CIPHER_MALFORMED');
    const aesCipher = writer(Transformations.AesGcm);
    const sealed = aesCipher.seal(TOKEN);
    expect(codeOf(() => aesCipher.open(editAes(sealed.stored, (inner) => (inner.cipher = inner.cipher!.slice(0, 12))), sealed.scheme))).toBe(
      'CIPHER_MALFORMED',
    );
  });

  it.each([
    ['not base64', 'this is not base64!'],
    ['empty', ''],
    ['base64 of a short text', b64('hello')],
    ['a JSON object of another shape', b64('{"foo":"bar"}')],
    ['a JSON envelope whose c is not base64', b64('{"c":"*","t":"RSA/ECB/OAEPwithSHA1andMGF1Padding","tp":"80FCBC35D6A8A070D4382DE827576ADC743E6BB3","tpd":"SHA-1"}')],
    ['an AES envelope whose c is not JSON', b64(`{"c":"${b64('nope')}","t":"AES/GCM/NoPadding","iv":"AAAA"}`)],
    ['a plaintext token', TOKEN],
  ])('garbage (%s) is CIPHER_MALFORMED for open and openAny', (_what, garbage) => {
    const cipher = writer(Transformations.RsaOaepSha1);
    expect(codeOf(() => cipher.open(garbage, cipher.writeScheme))).toBe('CIPHER_MALFORMED');
    expect(codeOf(() => cipher.openAny(garbage))).toBe('CIPHER_MALFORMED');
  });

  it('random bytes read as legacy raw RSA are CIPHER_TAMPERED, not garbage text', () => {
    const cipher = writer(Transformations.RsaOaepSha1);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 256, maxLength: 256 }), (bytes) => {
        const value = Buffer.from(bytes).toString('base64');
        expect(['CIPHER_TAMPERED', 'CIPHER_MALFORMED']).toContain(codeOf(() => cipher.open(value, `RSA:${primary.thumbprint}`)));
      }),
      { numRuns: 50 },
    );
  });

  it('a value whose envelope disagrees with its recorded scheme is CIPHER_MALFORMED', () => {
    const cipher = writer(Transformations.RsaOaepSha1);
    const rsa = cipher.seal(TOKEN);
    const aesValue = writer(Transformations.AesGcm).seal(TOKEN);
    const raw = vectors.find((v) => v.format === 'wso2-rsa-legacy-raw')!.stored;
    const mismatches: Array<[string, string]> = [
      [rsa.stored, `${Transformations.RsaOaepSha256}:${primary.thumbprint}`], // other transformation
      [rsa.stored, `${Transformations.RsaOaepSha1}:${other.thumbprint}`], // other (held) thumbprint
      [rsa.stored, aesValue.scheme], // RSA value, AES scheme
      [rsa.stored, `RSA:${primary.thumbprint}`], // self-contained value, legacy scheme
      [aesValue.stored, rsa.scheme], // AES value, RSA scheme
      [aesValue.stored, `${Transformations.AesGcm}:${otherAes.keyId}`], // names another (held) AES key
      [raw, rsa.scheme], // legacy value, self-contained scheme
    ];
    for (const [stored, scheme] of mismatches) {
      const error = errorOf(() => cipher.open(stored, scheme));
      expect([error.code, scheme]).toEqual(['CIPHER_MALFORMED', scheme]);
      expect(error.message).not.toContain(TOKEN);
    }
  });

  it('an invalid scheme is SCHEME_INVALID, and canRead says false', () => {
    const cipher = writer(Transformations.RsaOaepSha1);
    const { stored } = cipher.seal(TOKEN);
    for (const scheme of ['', 'PLAIN', 'RSA/ECB/OAEPwithSHA1andMGF1Padding', 'DES:ABC', `${Transformations.AesGcm}:${primary.thumbprint}`]) {
      expect(codeOf(() => cipher.open(stored, scheme))).toBe('SCHEME_INVALID');
      expect(cipher.canRead(scheme)).toBe(false);
    }
    // a swapped call (the value where the scheme goes) must not echo the value
    const error = errorOf(() => cipher.open(PLAIN_SCHEME, TOKEN));
    expect(error.code).toBe('SCHEME_INVALID');
    expect(error.message).not.toContain(TOKEN);
  });

  it('canRead: plain, held keys, and known transformations only', () => {
    const cipher = new SecretCipher(Keyring.create({ rsa: [primary], symmetric: [aes] }), { enabled: false, transformation: Transformations.RsaOaepSha1 });
    expect(cipher.canRead(PLAIN_SCHEME)).toBe(true);
    expect(cipher.canRead(`${Transformations.RsaPkcs1}:${primary.thumbprint}`)).toBe(true);
    expect(cipher.canRead(`RSA:${primary.thumbprint.toLowerCase()}`)).toBe(true);
    expect(cipher.canRead(`${Transformations.AesGcm}:${aes.keyId}`)).toBe(true);
    expect(cipher.canRead(`${Transformations.AesGcm}:${otherAes.keyId}`)).toBe(false);
    expect(cipher.canRead(`${Transformations.RsaOaepSha1}:${other.thumbprint}`)).toBe(false);
  });

  it('capability: readable, hash-only, or unreadable (a key not held, or not a scheme)', () => {
    const cipher = new SecretCipher(Keyring.create({ rsa: [primary], symmetric: [aes] }), { enabled: false, transformation: Transformations.RsaOaepSha1 });
    expect(cipher.capability(PLAIN_SCHEME)).toBe('readable');
    expect(cipher.capability(`${Transformations.AesGcm}:${aes.keyId}`)).toBe('readable');
    expect(cipher.capability(HASHED_SCHEME)).toBe('hash-only');
    expect(cipher.canRead(HASHED_SCHEME)).toBe(false);
    expect(cipher.capability(`${Transformations.RsaOaepSha1}:${other.thumbprint}`)).toBe('unreadable');
    expect(cipher.capability('hash:SHA-512')).toBe('unreadable');
  });
});

describe('SecretCipher: hashing (enable_token_hashing)', () => {
  const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

  it("writes WSO2's hash object under the hash scheme, for any Unicode secret", () => {
    const cipher = new SecretCipher(keyring, { enabled: false, hashing: true, transformation: Transformations.RsaOaepSha1 });
    expect(cipher.writeScheme).toBe(HASHED_SCHEME);
    for (const secret of [TOKEN, 'ünïcødé-токен-🔑', '']) {
      expect(cipher.seal(secret)).toEqual({ stored: formatWso2Hash(sha256(secret)), scheme: HASHED_SCHEME });
    }
    expect(codeOf(() => cipher.seal('\ud800'))).toBe('CIPHER_MALFORMED');
    expect(cipher.rsaWriteKey).toBeUndefined();
  });

  it('never reads a hash back: open and openAny say SECRET_HASH_ONLY, whatever key is held', () => {
    const cipher = new SecretCipher(keyring, { enabled: false, hashing: true, transformation: Transformations.RsaOaepSha1 });
    const { stored, scheme } = cipher.seal(TOKEN);
    expect(codeOf(() => cipher.open(stored, scheme))).toBe('SECRET_HASH_ONLY');
    expect(codeOf(() => writer(Transformations.RsaOaepSha1).openAny(stored))).toBe('SECRET_HASH_ONLY');
    // It still reads every other scheme: switching to hashing leaves earlier values readable.
    const earlier = writer(Transformations.AesGcm).seal(TOKEN);
    expect(cipher.open(earlier.stored, earlier.scheme)).toBe(TOKEN);
  });

  it('refuses to encrypt and hash at once', () => {
    expect(codeOf(() => new SecretCipher(keyring, { enabled: true, hashing: true, transformation: Transformations.RsaOaepSha1 }))).toBe('CIPHER_WRITE_FORBIDDEN');
  });
});
