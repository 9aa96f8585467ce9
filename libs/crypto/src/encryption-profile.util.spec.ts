import { describeProfileDifference, encryptionProfileOf, Transformations } from './index.js';

const TP = '80FCBC35D6A8A070D4382DE827576ADC743E6BB3';
const OTHER_TP = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('encryption profiles', () => {
  const rsa = encryptionProfileOf({ enabled: true, transformation: Transformations.RsaOaepSha1, keyId: TP });

  it('has a stable fingerprint: 16 lowercase hex characters, the same for the same settings', () => {
    expect(rsa.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(encryptionProfileOf({ enabled: true, transformation: Transformations.RsaOaepSha1, keyId: TP }).fingerprint).toBe(rsa.fingerprint);
    // pinned: nodes on other versions must compute the same string for the same settings
    expect(rsa.fingerprint).toBe('0a3d7efb4de7f776');
  });

  it('differs when any setting differs', () => {
    const fingerprints = new Set(
      [
        rsa,
        encryptionProfileOf({ enabled: true, transformation: Transformations.RsaOaepSha256, keyId: TP }),
        encryptionProfileOf({ enabled: true, transformation: Transformations.RsaOaepSha1, keyId: OTHER_TP }),
        encryptionProfileOf({ enabled: true, transformation: Transformations.AesGcm, keyId: 'YpQYJpoqCVLjTT8EJsa87dKjKLw7ai4UWQ3ogj0p164=' }),
        encryptionProfileOf({ enabled: false, transformation: Transformations.RsaOaepSha1, keyId: TP }),
      ].map((p) => p.fingerprint),
    );
    expect(fingerprints.size).toBe(5);
  });

  it('ignores transformation and key when disabled', () => {
    const off = encryptionProfileOf({ enabled: false, transformation: Transformations.AesGcm, keyId: 'whatever' });
    expect(off).toMatchObject({ enabled: false, transformation: null, keyId: null });
    expect(off.fingerprint).toBe(encryptionProfileOf({ enabled: false, transformation: Transformations.RsaOaepSha1, keyId: null }).fingerprint);
  });

  it('describes differences in WSO2 vocabulary', () => {
    const off = encryptionProfileOf({ enabled: false, transformation: Transformations.RsaOaepSha1, keyId: null });
    const sha256 = encryptionProfileOf({ enabled: true, transformation: Transformations.RsaOaepSha256, keyId: OTHER_TP });
    expect(describeProfileDifference(rsa, rsa)).toEqual([]);
    expect(describeProfileDifference(rsa, off)).toEqual([
      'enable_token_encryption: true vs false',
      'transformation: RSA/ECB/OAEPwithSHA1andMGF1Padding vs none',
      `key id: ${TP} vs none`,
    ]);
    expect(describeProfileDifference(rsa, sha256)).toEqual([
      'transformation: RSA/ECB/OAEPwithSHA1andMGF1Padding vs RSA/ECB/OAEPWithSHA-256AndMGF1Padding',
      `key id: ${TP} vs ${OTHER_TP}`,
    ]);
  });

  it('hashing is a profile of its own; every other profile keeps its fingerprint', () => {
    const hashing = encryptionProfileOf({ enabled: false, hashing: true, transformation: Transformations.RsaOaepSha1, keyId: null });
    const off = encryptionProfileOf({ enabled: false, transformation: Transformations.RsaOaepSha1, keyId: null });
    expect(hashing).toMatchObject({ enabled: false, hashing: true, transformation: null, keyId: null });
    expect(hashing.fingerprint).not.toBe(off.fingerprint);
    expect(off.hashing).toBe(false);
    expect(rsa.fingerprint).toBe('0a3d7efb4de7f776');
    // Encryption wins over a stray hashing flag: the crypto layer refuses that pair before a profile is made.
    expect(encryptionProfileOf({ enabled: true, hashing: true, transformation: Transformations.RsaOaepSha1, keyId: TP }).fingerprint).toBe(rsa.fingerprint);
    expect(describeProfileDifference(hashing, off)).toEqual(['enable_token_hashing: true vs false']);
    // A peer that predates hashing sends no flag: read as false.
    const { hashing: _dropped, ...older } = off;
    expect(describeProfileDifference(hashing, older as typeof off)).toEqual(['enable_token_hashing: true vs false']);
  });
});
