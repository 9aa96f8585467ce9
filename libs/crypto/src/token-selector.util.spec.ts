import { describe, expect, test } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { formatUuid, SELECTOR_SECRET_BYTES, selectorOfJti, selectorOfSecret, stampUuidV7 } from './token-selector.util.js';

function selectorSecret(nowMs: number): { token: string; bytes: Buffer } {
  const bytes = randomBytes(SELECTOR_SECRET_BYTES);
  stampUuidV7(bytes, nowMs);
  return { token: bytes.toString('base64url'), bytes };
}

describe('selectorOfSecret', () => {
  test('reads back the UUIDv7 at the front of a selector secret, with its time', () => {
    const now = Date.UTC(2026, 11, 8);
    const { token, bytes } = selectorSecret(now);
    const selector = selectorOfSecret(token)!;
    expect(selector).toBe(formatUuid(bytes));
    expect(selector).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(selector.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  test.each([
    ['a 43-character secret (issued before selectors)', randomBytes(32).toString('base64url')],
    ['a WSO2 opaque token (a UUIDv4)', randomUUID()],
    ['64 characters that are not base64url', `${'a'.repeat(63)}=`],
    ['a 63-character prefix', 'A'.repeat(63)],
    ['a 65-character string', 'A'.repeat(65)],
    ['48 random bytes: no version 7 in the front', Buffer.from(randomBytes(48).fill(0x00, 6, 7)).toString('base64url')],
    ['the empty string', ''],
  ])('is null for %s: found by its hash', (_, token) => {
    expect(selectorOfSecret(token)).toBeNull();
  });

  test('is null when the version is 7 but the variant is not RFC 9562', () => {
    const { bytes } = selectorSecret(Date.now());
    bytes[8] = 0x40 | (bytes[8]! & 0x3f);
    expect(selectorOfSecret(bytes.toString('base64url'))).toBeNull();
  });
});

describe('selectorOfJti', () => {
  test('is a UUIDv7 of the jti\'s time, not the jti (the stored secret), when the jti is a lowercase UUIDv7; null for any other jti', () => {
    const v7 = formatUuid(selectorSecret(Date.now()).bytes);
    const selector = selectorOfJti(v7)!;
    expect(selector).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(selector.slice(0, 13)).toBe(v7.slice(0, 13));
    expect(selector).not.toBe(v7);
    expect(selector.slice(14).replace(/-/g, '')).not.toContain(v7.slice(14).replace(/-/g, '').slice(4, 12));
    expect(selectorOfJti(v7)).toBe(selector);
    expect(new Set(Array.from({ length: 1000 }, () => selectorOfJti(formatUuid(selectorSecret(1).bytes)))).size).toBe(1000);
    expect(selectorOfJti(randomUUID())).toBeNull();
    expect(selectorOfJti(v7.toUpperCase())).toBeNull();
    expect(selectorOfJti(`${v7}x`)).toBeNull();
    expect(selectorOfJti('')).toBeNull();
  });
});
