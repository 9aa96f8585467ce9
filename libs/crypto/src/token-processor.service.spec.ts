import { createHash } from 'node:crypto';
import { CryptoError, formatWso2Hash, HASHED_SCHEME, Keyring, loadKeystore, parseSymmetricKey, PLAIN_SCHEME, SecretCipher, SecretKinds, TokenProcessor, Transformations, type KeystoreKey, type Transformation } from './index.js';
import { PRIMARY } from './test/crypto.fixtures.js';

const TOKEN = 'e5f1b1a2-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
let primary: KeystoreKey;
let keyring: Keyring;
const aes = parseSymmetricKey('0F'.repeat(32));
beforeAll(async () => {
  primary = await loadKeystore(PRIMARY.JKS);
  keyring = Keyring.create({ rsa: [primary], symmetric: [aes] });
});

const processor = (enabled: boolean, transformation: Transformation = Transformations.RsaOaepSha1) => new TokenProcessor(new SecretCipher(keyring, { enabled, transformation }));

describe('TokenProcessor', () => {
  it('protects and reveals each kind of secret, with a key-independent lookup hash', () => {
    const rsa = processor(true);
    const aesProcessor = processor(true, Transformations.AesGcm);
    for (const kind of Object.values(SecretKinds)) {
      const p = rsa.protect(kind, TOKEN);
      expect(p.stored).not.toContain(TOKEN);
      expect(p.scheme).toBe(`${Transformations.RsaOaepSha1}:${primary.thumbprint}`);
      expect(rsa.reveal(kind, p)).toBe(TOKEN);
      expect(p.hash).toBe(aesProcessor.protect(kind, TOKEN).hash);
    }
  });

  it('hashes like WSO2: lowercase hex SHA-256 of the UTF-8 bytes', () => {
    expect(processor(false).lookupHash('ünïcødé')).toBe(createHash('sha256').update(Buffer.from('ünïcødé', 'utf8')).digest('hex'));
    expect(processor(false).lookupHash(TOKEN)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches a secret against a hash, and nothing else', () => {
    const p = processor(false);
    const hash = p.lookupHash(TOKEN);
    expect(p.matches(TOKEN, hash)).toBe(true);
    expect(p.matches(TOKEN, hash.toUpperCase())).toBe(true);
    expect(p.matches(`${TOKEN}x`, hash)).toBe(false);
    expect(p.matches(TOKEN, hash.slice(1))).toBe(false);
    expect(p.matches(TOKEN, '')).toBe(false);
  });

  it('knows whether a scheme is the one it writes', () => {
    const rsa = processor(true);
    expect(rsa.isCurrent(rsa.cipher.writeScheme)).toBe(true);
    expect(rsa.isCurrent(PLAIN_SCHEME)).toBe(false);
    expect(processor(false).isCurrent(PLAIN_SCHEME)).toBe(true);
  });

  it('exposes its write profile', () => {
    expect(processor(true).profile).toMatchObject({ enabled: true, transformation: Transformations.RsaOaepSha1, keyId: primary.thumbprint });
    expect(processor(true, Transformations.AesGcm).profile).toMatchObject({ transformation: Transformations.AesGcm, keyId: aes.keyId });
    expect(processor(false).profile).toMatchObject({ enabled: false, transformation: null, keyId: null });
  });

  it('names the secret kind in errors, never the secret', () => {
    const rsa = processor(true, Transformations.RsaOaepSha256);
    const secret = `consumer-secret-${'x'.repeat(200)}`;
    let error: unknown;
    try {
      rsa.protect(SecretKinds.ConsumerSecret, secret);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CryptoError);
    expect(error).toMatchObject({ code: 'CIPHER_MALFORMED', details: expect.objectContaining({ kind: 'consumer_secret' }) });
    expect((error as Error).message).toMatch(/^consumer_secret: /);
    expect((error as Error).message).not.toContain('consumer-secret-');
    expect(() => rsa.reveal(SecretKinds.RefreshToken, { stored: 'garbage!', scheme: rsa.cipher.writeScheme })).toThrow(/^refresh_token: /);
  });

  it('hashing: protects with a hash-only value, which matches and holds but never reveals', () => {
    const hashing = new TokenProcessor(new SecretCipher(keyring, { enabled: false, hashing: true, transformation: Transformations.RsaOaepSha1 }));
    const p = hashing.protect(SecretKinds.AccessToken, TOKEN);
    expect(p).toEqual({ stored: formatWso2Hash(p.hash), scheme: HASHED_SCHEME, hash: processor(false).lookupHash(TOKEN) });
    expect(hashing.matches(TOKEN, p.hash)).toBe(true);
    expect(hashing.holds(SecretKinds.AccessToken, p, p.hash)).toBe(true);
    expect(hashing.holds(SecretKinds.AccessToken, p, hashing.lookupHash('another'))).toBe(false);
    expect(() => hashing.reveal(SecretKinds.AccessToken, p)).toThrow(expect.objectContaining({ code: 'SECRET_HASH_ONLY', message: expect.stringMatching(/^access_token: /) }));
    expect(hashing.isCurrent(HASHED_SCHEME)).toBe(true);
    expect(hashing.profile).toMatchObject({ enabled: false, hashing: true, transformation: null, keyId: null });
    expect(processor(false).profile.hashing).toBe(false);
  });

  it('hashOnly: what to store for a secret known only by its SHA-256', () => {
    const hash = processor(false).lookupHash(TOKEN);
    expect(TokenProcessor.hashOnly(hash.toUpperCase())).toEqual({ stored: formatWso2Hash(hash), scheme: HASHED_SCHEME, hash });
    expect(() => TokenProcessor.hashOnly('not-a-hash')).toThrow(expect.objectContaining({ code: 'CIPHER_MALFORMED' }));
  });

  it('holds: an encrypted value holds the secret of its lookup hash', () => {
    const rsa = processor(true);
    const p = rsa.protect(SecretKinds.RefreshToken, TOKEN);
    expect(rsa.holds(SecretKinds.RefreshToken, p, p.hash)).toBe(true);
    expect(rsa.holds(SecretKinds.RefreshToken, p, rsa.lookupHash('x'))).toBe(false);
  });
});
