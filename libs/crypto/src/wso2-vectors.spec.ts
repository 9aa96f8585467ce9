// Interoperability with WSO2: every value WSO2 (Java 17 + BouncyCastle + Gson) wrote in the shared vectors
// must read back with either keystore format, through openAny and through open with the scheme it implies.
import {
  decodeStoredValue,
  formatScheme,
  Keyring,
  loadKeystore,
  parseSymmetricKey,
  parseTransformation,
  SecretCipher,
  Transformations,
  type KeystoreKey,
} from './index.js';
import { PRIMARY, readVectors } from './test/crypto.fixtures.js';

const { certificateThumbprintSha1, vectors } = readVectors();
const symmetricKeys = [...new Set(vectors.flatMap((v) => (v.symmetricKey ? [v.symmetricKey] : [])))].map(parseSymmetricKey);

describe.each(['PKCS12', 'JKS'] as const)('WSO2 vectors with primary keystore as %s', (type) => {
  let key: KeystoreKey;
  let cipher: SecretCipher;

  beforeAll(async () => {
    key = await loadKeystore(PRIMARY[type]);
    cipher = new SecretCipher(Keyring.create({ rsa: [key], symmetric: symmetricKeys }), { enabled: false, transformation: Transformations.RsaOaepSha1 });
  });

  it('has 53 vectors covering every format', () => {
    expect(vectors).toHaveLength(53);
    expect(new Set(vectors.map((v) => v.format))).toEqual(new Set(['wso2-rsa-self-contained', 'wso2-aes-gcm-self-contained', 'wso2-rsa-legacy-raw']));
  });

  it('loads the key WSO2 encrypted with: thumbprint, size, subject', () => {
    expect(key.thumbprint).toBe(certificateThumbprintSha1);
    expect(key.keySizeBits).toBe(2048);
    expect(key.subject).toBe('CN=localhost, O=Example, C=US');
    expect(key.alias).toBe('wso2carbon');
    expect(key.expired).toBe(false);
  });

  it.each(vectors.map((v) => [v.id, v] as const))('%s decodes, and decrypts with openAny and with open(scheme)', (_id, vector) => {
    const decoded = decodeStoredValue(vector.stored);
    expect(decoded.format).toBe(vector.format);
    const transformation = parseTransformation(vector.transformation);

    let keyId: string;
    if (decoded.format === 'wso2-aes-gcm-self-contained') {
      keyId = parseSymmetricKey(vector.symmetricKey!).keyId;
      expect(decoded.keyId).toBe(vector.withKeyId ? keyId : undefined);
    } else {
      keyId = certificateThumbprintSha1;
      if (decoded.format === 'wso2-rsa-self-contained') {
        expect(decoded.transformation).toBe(transformation);
        expect(decoded.thumbprint).toBe(certificateThumbprintSha1);
      }
    }
    const scheme = formatScheme({ kind: 'encrypted', transformation, keyId });

    const any = cipher.openAny(vector.stored);
    expect(any.plaintext).toBe(vector.plaintext);
    if (decoded.format === 'wso2-aes-gcm-self-contained' && decoded.ciphertextAndTag.length === 0 && !decoded.keyId) {
      // WSO2 writes '' as an empty "cipher": without a keyId nothing tells which key, and any key reads it.
      expect(symmetricKeys.map((k) => `${Transformations.AesGcm}:${k.keyId}`)).toContain(any.scheme);
    } else {
      expect(any.scheme).toBe(scheme);
    }
    expect(cipher.open(vector.stored, scheme)).toBe(vector.plaintext);
    expect(cipher.canRead(scheme)).toBe(true);
  });
});
