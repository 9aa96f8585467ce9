import fc from 'fast-check';
import { CryptoError } from './crypto.error.js';
import { decodeBase64, decodeBase64ToLatin1, decodeUtf8Strict, encodeUtf8Strict, isCanonicalBase64url, isCanonicalCompactJws } from './encoding.util.js';

// The definition of strict, padded, standard base64; decodeBase64 must accept exactly these strings.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What a decoder makes of `value`: its bytes, or 'malformed'. */
function outcome(decode: () => Buffer): Buffer | 'malformed' {
  try {
    return decode();
  } catch (error) {
    if (error instanceof CryptoError && error.code === 'CIPHER_MALFORMED') return 'malformed';
    throw error;
  }
}

describe('decodeBase64 and decodeBase64ToLatin1', () => {
  it('accept exactly the strict base64 strings (mutations of valid ones included), and agree on the bytes', () => {
    const valid = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64'));
    const noise = fc.constantFrom('-', '_', '=', ' ', '\n', '*', '.', 'é', 'A', '+', '/', '==');
    const mutated = fc.tuple(valid, fc.nat(), noise, fc.boolean()).map(([s, at, c, replace]) => {
      const i = s.length === 0 ? 0 : at % s.length;
      return s.slice(0, i) + c + s.slice(replace ? i + 1 : i);
    });
    fc.assert(
      fc.property(fc.oneof(valid, mutated, fc.string({ unit: 'binary-ascii', maxLength: 12 })), (s) => {
        const expected = STRICT_BASE64.test(s) ? Buffer.from(s, 'base64') : 'malformed';
        expect(outcome(() => decodeBase64(s, 'value'))).toEqual(expected);
        expect(outcome(() => Buffer.from(decodeBase64ToLatin1(s, 'value'), 'latin1'))).toEqual(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('returns the decoded bytes', () => {
    expect(decodeBase64('AAEC/w==', 'x')).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(decodeBase64('', 'x')).toEqual(Buffer.alloc(0));
  });
});

describe('strict UTF-8', () => {
  it('refuses invalid UTF-8 and lone surrogates, keeps a leading BOM', () => {
    expect(() => decodeUtf8Strict(Buffer.from([0x61, 0xff]))).toThrow(expect.objectContaining({ code: 'CIPHER_TAMPERED' }));
    expect(() => decodeUtf8Strict(Buffer.from([0xed, 0xa0, 0x80]))).toThrow(CryptoError); // encoded surrogate
    expect(() => encodeUtf8Strict('\uDC00')).toThrow(expect.objectContaining({ code: 'CIPHER_MALFORMED' }));
    expect(decodeUtf8Strict(encodeUtf8Strict('\uFEFFx'))).toBe('\uFEFFx');
  });
});

describe('isCanonicalBase64url and isCanonicalCompactJws', () => {
  // The definition: non-empty, and what Node decodes it to re-encodes to the same text.
  const canonical = (s: string) => s !== '' && Buffer.from(s, 'base64url').toString('base64url') === s;

  it('accept exactly the strings that are the base64url encoding of their bytes (mutations included)', () => {
    const valid = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url'));
    const noise = fc.constantFrom('-', '_', '=', ' ', '\n', '+', '/', '.', 'é', 'A', 'B', 'Q', 'R', 'g', 'h', 'w', 'x', '==');
    const mutated = fc.tuple(valid, fc.nat(), noise, fc.boolean()).map(([s, at, c, replace]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + c + s.slice(replace ? i + 1 : i);
    });
    fc.assert(fc.property(fc.oneof(valid, mutated, fc.string({ unit: 'binary-ascii', maxLength: 12 })), (s) => expect(isCanonicalBase64url(s)).toBe(canonical(s))), { numRuns: 5000 });
  });

  it('refuses a JWS whose last character differs only in unused bits, padding, or a segment too many or too few', () => {
    const jws = ['eyJhbGciOiJSUzI1NiJ9', 'eyJzdWIiOiJhIn0', Buffer.alloc(256, 7).toString('base64url')];
    expect(isCanonicalCompactJws(jws.join('.'))).toBe(true);
    const signature = jws[2]!; // 256 bytes: the last character carries 2 bits and 4 unused ones
    const flipped = signature.slice(0, -1) + String.fromCharCode(signature.charCodeAt(signature.length - 1) + 1);
    expect(Buffer.from(flipped, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect(isCanonicalCompactJws([jws[0], jws[1], flipped].join('.'))).toBe(false);
    expect(isCanonicalCompactJws([jws[0], jws[1], `${signature}==`].join('.'))).toBe(false);
    expect(isCanonicalCompactJws([`${jws[0]}=`, jws[1], signature].join('.'))).toBe(false);
    expect(isCanonicalCompactJws([jws[0], jws[1].replace('z', '+'), signature].join('.'))).toBe(false);
    expect(isCanonicalCompactJws([jws[0], jws[1]].join('.'))).toBe(false);
    expect(isCanonicalCompactJws([jws[0], jws[1], ''].join('.'))).toBe(false);
    expect(isCanonicalCompactJws([...jws, 'x'].join('.'))).toBe(false);
  });
});
