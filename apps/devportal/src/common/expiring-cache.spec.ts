import { describe, expect, it } from '@jest/globals';
import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  const clock = (start = 1_000_000) => {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('answers an entry until the TTL passes, then forgets it', () => {
    const c = clock();
    const cache = new ExpiringCache<string, number>(5_000, 10, c.now);
    cache.set('k', 1);
    c.advance(4_999);
    expect(cache.get('k')).toBe(1);
    c.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('never keeps an entry past its own end, when that comes before the TTL', () => {
    const c = clock();
    const cache = new ExpiringCache<string, number>(60_000, 10, c.now);
    cache.set('k', 1, cache.generation(), c.now() + 2_000);
    c.advance(1_999);
    expect(cache.get('k')).toBe(1);
    c.advance(1);
    expect(cache.get('k')).toBeUndefined();
    cache.set('past', 2, cache.generation(), c.now());
    expect(cache.get('past')).toBeUndefined();
  });

  it('caches nothing with a TTL of 0', () => {
    const cache = new ExpiringCache<string, number>(0);
    cache.set('k', 1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('holds at most maxEntries: the oldest entry goes first, and a replaced entry counts as new', () => {
    const cache = new ExpiringCache<string, number>(60_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, undefined, 4]);
  });

  it('forgets one entry, the entries that match, or everything', () => {
    const cache = new ExpiringCache<string, { app: string }>(60_000);
    for (const [key, app] of [['a1', 'A'], ['a2', 'A'], ['b', 'B'], ['c', 'C']] as const) cache.set(key, { app });
    cache.delete('c');
    cache.forgetWhere((v) => v.app === 'A');
    expect(['a1', 'a2', 'b', 'c'].map((k) => cache.get(k)?.app)).toEqual([undefined, undefined, 'B', undefined]);
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });

  it('does not cache an answer read before a forget (it may predate the change), but does one read after', () => {
    for (const forget of [
      (cache: ExpiringCache<string, number>) => cache.delete('other'),
      (cache: ExpiringCache<string, number>) => cache.forgetWhere(() => false),
      (cache: ExpiringCache<string, number>) => cache.clear(),
    ]) {
      const cache = new ExpiringCache<string, number>(60_000);
      const before = cache.generation();
      forget(cache);
      cache.set('k', 1, before);
      expect(cache.get('k')).toBeUndefined();
      cache.set('k', 2, cache.generation());
      expect(cache.get('k')).toBe(2);
    }
  });
});
