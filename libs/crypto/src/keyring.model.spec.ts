import { Keyring, loadKeystore, parseSymmetricKey, type KeystoreKey, type SymmetricKey } from './index.js';
import { generatedKeystore, PRIMARY, temporaryDirectory } from './test/crypto.fixtures.js';

const temp = temporaryDirectory();
let p12: KeystoreKey;
let jks: KeystoreKey;
let other: KeystoreKey;
beforeAll(async () => {
  [p12, jks, other] = await Promise.all([loadKeystore(PRIMARY.PKCS12), loadKeystore(PRIMARY.JKS), generatedKeystore(temp.dir)]);
});
afterAll(() => temp.cleanup());

describe('Keyring', () => {
  it('holds RSA keys by thumbprint and AES keys by key id, primary first, duplicates collapsed', () => {
    const a = parseSymmetricKey('a'.repeat(32));
    const b = parseSymmetricKey('b'.repeat(32));
    const ring = Keyring.create({ rsa: [p12, other, jks], symmetric: [a, b, parseSymmetricKey('a'.repeat(32))] });
    expect(ring.rsaKeys).toEqual([p12, other]);
    expect(ring.symmetricKeys).toEqual([a, b]);
    expect(ring.keyIds).toEqual([p12.thumbprint, other.thumbprint, a.keyId, b.keyId]);
    expect(ring.has(other.thumbprint.toLowerCase())).toBe(true);
    expect(ring.has(b.keyId)).toBe(true);
    expect(ring.has('nope')).toBe(false);
    expect(ring.rsaKey(other.thumbprint)).toBe(other);
    expect(ring.rsaKey(b.keyId)).toBeUndefined();
    expect(Object.isFrozen(ring.keyIds)).toBe(true);
  });

  it('refuses symmetric keys not made by parseSymmetricKey', () => {
    const forged: SymmetricKey = { keyId: 'x', bits: 256 };
    expect(() => Keyring.create({ rsa: [], symmetric: [forged] })).toThrow(expect.objectContaining({ code: 'SYMMETRIC_KEY_INVALID' }));
  });
});
