import fc from 'fast-check';
import { formatScheme, HASHED_SCHEME, parseScheme, PLAIN_SCHEME, Transformations, type ParsedScheme } from './index.js';

const TP = '80FCBC35D6A8A070D4382DE827576ADC743E6BB3';
const AES_ID = 'YpQYJpoqCVLjTT8EJsa87dKjKLw7ai4UWQ3ogj0p164=';

describe('storage schemes', () => {
  it.each([
    [PLAIN_SCHEME, { kind: 'plain' }],
    [HASHED_SCHEME, { kind: 'hashed', algorithm: 'SHA-256' }],
    [`RSA/ECB/OAEPwithSHA1andMGF1Padding:${TP}`, { kind: 'encrypted', transformation: Transformations.RsaOaepSha1, keyId: TP }],
    [`RSA:${TP}`, { kind: 'encrypted', transformation: Transformations.RsaRaw, keyId: TP }],
    [`AES/GCM/NoPadding:${AES_ID}`, { kind: 'encrypted', transformation: Transformations.AesGcm, keyId: AES_ID }],
  ])('%s parses and formats back', (scheme, parsed) => {
    expect(parseScheme(scheme)).toEqual(parsed);
    expect(formatScheme(parsed as ParsedScheme)).toBe(scheme);
  });

  it('canonicalises transformation names and thumbprint case', () => {
    expect(formatScheme(parseScheme(`rsa/ecb/pkcs1padding:${TP.toLowerCase()}`))).toBe(`RSA/ECB/PKCS1Padding:${TP}`);
  });

  it.each([
    ['', 'empty'],
    ['Plain', 'plain with another case'],
    [TP, 'a key id alone'],
    [`:${TP}`, 'no transformation'],
    [`AES/CBC/PKCS5Padding:${AES_ID}`, 'an unknown transformation'],
    [`RSA/ECB/OAEPwithSHA1andMGF1Padding:${AES_ID}`, 'an AES key id for RSA'],
    [`AES/GCM/NoPadding:${TP}`, 'a thumbprint for AES'],
    [`RSA:${TP}00`, 'a thumbprint of the wrong length'],
    ['hash:SHA-512', 'a hash other than SHA-256'],
    ['hash:sha-256', 'the hash scheme in another case'],
  ])('SCHEME_INVALID for %j (%s)', (scheme) => {
    expect(() => parseScheme(scheme)).toThrow(expect.objectContaining({ code: 'SCHEME_INVALID' }));
  });

  it('formats and parses every scheme back to itself', () => {
    const transformation = fc.constantFrom(...Object.values(Transformations));
    const thumbprint = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
    const aesId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
    fc.assert(
      fc.property(transformation, thumbprint, aesId, (t, tp, id) => {
        const parsed: ParsedScheme = { kind: 'encrypted', transformation: t, keyId: t === Transformations.AesGcm ? id : tp };
        expect(parseScheme(formatScheme(parsed))).toEqual(parsed);
      }),
    );
  });
});
