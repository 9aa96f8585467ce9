import { inspect } from 'node:util';
import { createHash } from 'node:crypto';
import { CryptoError, parseSymmetricKey } from './index.js';

describe('parseSymmetricKey (WSO2 rule)', () => {
  it.each([
    ['16 characters: UTF-8, AES-128', 'abcdefghijklmnop', 128, Buffer.from('abcdefghijklmnop')],
    ['24 characters: UTF-8, AES-192', 'abcdefghijklmnopqrstuvwx', 192, Buffer.from('abcdefghijklmnopqrstuvwx')],
    ['32 hex characters: still UTF-8, AES-256', '03BAFEB27A8E871CAD83C5CD4E771DAB', 256, Buffer.from('03BAFEB27A8E871CAD83C5CD4E771DAB')],
    ['48 hex characters: hex, AES-192', 'aa'.repeat(24), 192, Buffer.alloc(24, 0xaa)],
    ['64 hex characters: hex, AES-256', '0F'.repeat(32), 256, Buffer.alloc(32, 0x0f)],
  ])('%s', (_what, value, bits, bytes) => {
    const key = parseSymmetricKey(value);
    expect(key.bits).toBe(bits);
    expect(key.keyId).toBe(createHash('sha256').update(bytes).digest('base64'));
  });

  it('matches the key id WSO2 writes into AES values', () => {
    expect(parseSymmetricKey('03BAFEB27A8E871CAD83C5CD4E771DAB').keyId).toBe('YpQYJpoqCVLjTT8EJsa87dKjKLw7ai4UWQ3ogj0p164=');
  });

  it.each([
    ['too short', 'short-secret'],
    ['64 characters that are not hex (64 UTF-8 bytes)', 'z'.repeat(64)],
    ['17 bytes', 'abcdefghijklmnopq'],
    ['16 characters but 17 UTF-8 bytes', 'abcdefghijklmnoé'],
    ['empty', ''],
  ])('SYMMETRIC_KEY_INVALID when %s, naming the length but never the key', (_what, value) => {
    let error: unknown;
    try {
      parseSymmetricKey(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CryptoError);
    expect((error as CryptoError).code).toBe('SYMMETRIC_KEY_INVALID');
    expect((error as CryptoError).message).toMatch(/\d+ bytes/);
    if (value) expect((error as CryptoError).message).not.toContain(value);
  });

  it('keeps the key bytes out of JSON, inspection and enumeration', () => {
    const hex = '956bde61e39c9602e4043b11a648faf4c270f43c8c4925c7f202e0971d594b9b';
    const key = parseSymmetricKey(hex);
    const shown = [JSON.stringify(key), inspect(key, { showHidden: true, depth: 5 }), Object.getOwnPropertyNames(key).join(',')].join('\n');
    expect(shown).not.toContain(hex);
    expect(shown).not.toContain(Buffer.from(hex, 'hex').toString('base64'));
    expect(Object.keys(key).sort()).toEqual(['bits', 'keyId']);
  });
});
