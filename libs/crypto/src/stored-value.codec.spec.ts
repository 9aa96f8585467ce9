import { CryptoError, decodeStoredValue } from './index.js';
import { readVectors } from './test/crypto.fixtures.js';

const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s).toString('base64');
const TP = '80FCBC35D6A8A070D4382DE827576ADC743E6BB3';
const RSA_C = Buffer.alloc(256, 7).toString('base64');

function codeOf(stored: string): string {
  try {
    decodeStoredValue(stored);
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'decoded';
}

describe('decodeStoredValue', () => {
  it('reads a Gson RSA envelope with \\u003d escapes and a lowercase thumbprint', () => {
    const json = `{"c":"${RSA_C.replace(/=/g, '\\u003d')}","t":"RSA/ECB/OAEPwithSHA1andMGF1Padding","tp":"${TP.toLowerCase()}","tpd":"SHA-1"}`;
    const decoded = decodeStoredValue(b64(json));
    expect(decoded).toEqual({ format: 'wso2-rsa-self-contained', transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding', thumbprint: TP, ciphertext: Buffer.alloc(256, 7) });
  });

  it('takes a raw ciphertext that happens to start with "{" as legacy raw RSA', () => {
    const raw = Buffer.alloc(256, 0x41);
    raw[0] = 0x7b;
    expect(decodeStoredValue(b64(raw))).toEqual({ format: 'wso2-rsa-legacy-raw', ciphertext: raw });
  });

  it('reads an AES envelope without keyId, and with one', () => {
    const iv = Buffer.alloc(128, 1);
    const inner = (extra: string) => b64(`{"cipher":"${b64(Buffer.alloc(20, 2))}","initializationVector":"${b64(iv)}"${extra}}`);
    const outer = (extra: string) => b64(`{"c":"${inner(extra)}","t":"AES/GCM/NoPadding","iv":"${b64(iv)}"}`);
    expect(decodeStoredValue(outer(''))).toEqual({ format: 'wso2-aes-gcm-self-contained', iv, ciphertextAndTag: Buffer.alloc(20, 2) });
    expect(decodeStoredValue(outer(',"keyId":"abc="'))).toMatchObject({ keyId: 'abc=' });
  });

  it('decodes WSO2 values the same when re-serialised another way (key order, spaces, escaped slashes)', () => {
    const { vectors } = readVectors();
    for (const vector of vectors.filter((v) => v.format !== 'wso2-rsa-legacy-raw')) {
      const outer = JSON.parse(Buffer.from(vector.stored, 'base64').toString('utf8'));
      if (outer.t === 'AES/GCM/NoPadding') {
        const inner = JSON.parse(Buffer.from(outer.c, 'base64').toString('utf8'));
        outer.c = b64(JSON.stringify(Object.fromEntries(Object.entries(inner).reverse()), null, 2));
      }
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(outer).reverse()), null, 1).replace(/\//g, '\\/');
      expect([vector.id, decodeStoredValue(b64(reordered))]).toEqual([vector.id, decodeStoredValue(vector.stored)]);
    }
  });

  it.each([
    ['not base64', '%%%'],
    ['base64 with a missing pad', b64('x'.repeat(100)).slice(0, -1)],
    ['base64 with whitespace inside', `${b64('x'.repeat(99)).slice(0, 8)} ${b64('x'.repeat(99)).slice(8)}`],
    ['too short for raw RSA', b64(Buffer.alloc(40, 1))],
    ['a JSON array', b64('[1,2,3]')],
    ['an envelope without t', b64(`{"c":"${RSA_C}"}`)],
    ['an envelope with a bad thumbprint', b64(`{"c":"${RSA_C}","t":"RSA/ECB/PKCS1Padding","tp":"xyz","tpd":"SHA-1"}`)],
    ['an envelope with another thumbprint digest', b64(`{"c":"${RSA_C}","t":"RSA/ECB/PKCS1Padding","tp":"${TP}","tpd":"SHA-256"}`)],
    ['an AES envelope with two different IVs', b64(`{"c":"${b64(`{"cipher":"","initializationVector":"AAAA"}`)}","t":"AES/GCM/NoPadding","iv":"AQEB"}`)],
    ['an AES envelope with an empty IV', b64(`{"c":"${b64(`{"cipher":"","initializationVector":""}`)}","t":"AES/GCM/NoPadding"}`)],
    ['an AES ciphertext shorter than a tag', b64(`{"c":"${b64(`{"cipher":"AAAA","initializationVector":"AAAA"}`)}","t":"AES/GCM/NoPadding"}`)],
  ])('CIPHER_MALFORMED for %s', (_what, stored) => {
    expect(codeOf(stored)).toBe('CIPHER_MALFORMED');
  });

  it('CIPHER_UNSUPPORTED_TRANSFORMATION for a well-formed envelope naming an unknown transformation', () => {
    expect(codeOf(b64(`{"c":"${RSA_C}","t":"RSA/ECB/OAEPWithSHA-512AndMGF1Padding","tp":"${TP}","tpd":"SHA-1"}`))).toBe('CIPHER_UNSUPPORTED_TRANSFORMATION');
  });
});
