import { CryptoError, isWritableTransformation, parseTransformation, Transformations } from './index.js';

describe('parseTransformation', () => {
  it.each([
    ['RSA/ECB/OAEPwithSHA1andMGF1Padding', Transformations.RsaOaepSha1],
    ['rsa/ecb/oaepwithsha1andmgf1padding', Transformations.RsaOaepSha1],
    ['RSA/NONE/OAEPWithSHA-1AndMGF1Padding', Transformations.RsaOaepSha1],
    ['RSA/ECB/OAEPWithSHA-256AndMGF1Padding', Transformations.RsaOaepSha256],
    ['RSA/ECB/OAEPWITHSHA256ANDMGF1PADDING', Transformations.RsaOaepSha256],
    ['AES/GCM/NoPadding', Transformations.AesGcm],
    ['aes/gcm/nopadding', Transformations.AesGcm],
    ['RSA/ECB/PKCS1Padding', Transformations.RsaPkcs1],
    ['RSA', Transformations.RsaRaw],
    ['RSA/ECB/NoPadding', Transformations.RsaRaw],
  ])('%s -> %s (matched like JCE/BouncyCastle names)', (name, expected) => {
    expect(parseTransformation(name)).toBe(expected);
  });

  it.each(['RSA/ECB/OAEPWithSHA-512AndMGF1Padding', 'AES/CBC/PKCS5Padding', 'DES', '', 'RSA/ECB'])('rejects %j', (name) => {
    expect(() => parseTransformation(name)).toThrow(expect.objectContaining({ code: 'CIPHER_UNSUPPORTED_TRANSFORMATION' }));
    expect(() => parseTransformation(name)).toThrow(CryptoError);
  });
});

describe('isWritableTransformation', () => {
  it('allows OAEP and AES-GCM only', () => {
    expect(Object.values(Transformations).filter(isWritableTransformation)).toEqual([
      Transformations.RsaOaepSha1,
      Transformations.RsaOaepSha256,
      Transformations.AesGcm,
    ]);
  });
});
