import { describe, expect, it } from '@jest/globals';
import { TokenCache } from './token-cache.js';

describe('TokenCache', () => {
  const clock = (start = 1_000_000) => {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('answers a validated token until the TTL passes, then asks again', () => {
    const c = clock();
    const cache = new TokenCache(5_000, 10, c.now);
    cache.set('k', 'alice');
    c.advance(4_999);
    expect(cache.get('k')).toBe('alice');
    c.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it("never keeps a token past the token's own expiry", () => {
    const c = clock(10_000_000);
    const cache = new TokenCache(60_000, 10, c.now);
    cache.set('k', 'alice', (10_000_000 + 2_000) / 1000);
    c.advance(2_000);
    expect(cache.get('k')).toBeUndefined();
  });

  it('forgets a token on request (log-out), and only that one', () => {
    const cache = new TokenCache(60_000);
    cache.set('a', 'alice');
    cache.set('b', 'bob');
    cache.delete('a');
    expect([cache.get('a'), cache.get('b')]).toEqual([undefined, 'bob']);
  });

  it('caches nothing with a TTL of 0', () => {
    const cache = new TokenCache(0);
    cache.set('k', 'alice');
    expect(cache.get('k')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new TokenCache(60_000, 2);
    cache.set('a', 'alice');
    cache.set('b', 'bob');
    cache.set('c', 'carol');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 'bob', 'carol']);
  });

  it('keys by a hash, not the token itself', () => {
    const key = TokenCache.keyOf('eyJ.secret.token');
    expect(key).not.toContain('secret');
    expect(TokenCache.keyOf('eyJ.secret.token')).toBe(key);
  });

  it("forgets every token of the users named (their sessions ended elsewhere), and only theirs; clear() forgets all", () => {
    const cache = new TokenCache(60_000);
    cache.set('a1', 'alice');
    cache.set('a2', 'alice');
    cache.set('b', 'bob');
    cache.set('c', 'carol');
    cache.forgetUsers(['alice', 'carol']);
    expect([cache.get('a1'), cache.get('a2'), cache.get('b'), cache.get('c')]).toEqual([undefined, undefined, 'bob', undefined]);
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });

  it('does not cache an answer asked for before a forget: it may predate the revocation', () => {
    const cache = new TokenCache(60_000);
    const before = cache.generation();
    cache.forgetUsers(['alice']);
    cache.set('k', 'alice', undefined, before);
    expect(cache.get('k')).toBeUndefined();
    cache.set('k', 'alice', undefined, cache.generation());
    expect(cache.get('k')).toBe('alice');
  });
});
