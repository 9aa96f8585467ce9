import { createHash } from 'node:crypto';
import { CryptoError, Keyring, loadKeystore, parseSymmetricKey, PLAIN_SCHEME, SecretCipher, SecretKinds, TokenProcessor, Transformations, type KeystoreKey, type Transformation } from './index.js';
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
});
