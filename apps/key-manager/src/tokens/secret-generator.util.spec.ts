import { describe, expect, test } from '@jest/globals';
import { selectorOfSecret } from '@app/crypto';
import { newClientId, newSecret, newSelectorSecret } from './secret-generator.util.js';

describe('newSecret', () => {
  test('gives 256-bit base64url secrets, all different, across many refills of its pool', () => {
    const secrets = Array.from({ length: 5000 }, () => newSecret());
    expect(new Set(secrets).size).toBe(secrets.length);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    }
  });

  test('is not a pattern: every byte value and every bit position turns up, about half the bits set', () => {
    const bytes = Buffer.concat(Array.from({ length: 2000 }, () => Buffer.from(newSecret(), 'base64url')));
    expect(new Set(bytes).size).toBe(256);
    let ones = 0;
    for (const byte of bytes) for (let bit = 0; bit < 8; bit++) ones += (byte >> bit) & 1;
    // 512,000 fair bits: the share of ones is 0.5 ± 0.0007 (1 σ); 0.49–0.51 is over 14 σ away.
    expect(ones / (bytes.length * 8)).toBeGreaterThan(0.49);
    expect(ones / (bytes.length * 8)).toBeLessThan(0.51);
  });
});

describe('newSelectorSecret', () => {
  test('gives 64-character base64url secrets: a UUIDv7 selector of the given time, then 256 bits; all different', () => {
    const now = Date.UTC(2026, 11, 8, 1, 2, 3, 456);
    const secrets = Array.from({ length: 5000 }, () => newSelectorSecret(now));
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(new Set(secrets.map((s) => selectorOfSecret(s))).size).toBe(secrets.length);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
      const selector = selectorOfSecret(secret)!;
      expect(parseInt(selector.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
      expect(selector).toBe(Buffer.from(secret, 'base64url').subarray(0, 16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'));
    }
  });

  test('the 256 bits after the selector are random: every byte value turns up, about half the bits set', () => {
    const bytes = Buffer.concat(Array.from({ length: 2000 }, () => Buffer.from(newSelectorSecret(), 'base64url').subarray(16)));
    expect(new Set(bytes).size).toBe(256);
    let ones = 0;
    for (const byte of bytes) for (let bit = 0; bit < 8; bit++) ones += (byte >> bit) & 1;
    expect(ones / (bytes.length * 8)).toBeGreaterThan(0.49);
    expect(ones / (bytes.length * 8)).toBeLessThan(0.51);
  });
});

describe('newClientId', () => {
  test('gives 144-bit base64url ids, all different', () => {
    const ids = Array.from({ length: 1000 }, () => newClientId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
