import { timeOrderedUuid } from './row-id.util.js';

describe('timeOrderedUuid', () => {
  it('is a version-7 RFC 9562 UUID carrying the time in milliseconds', () => {
    const id = timeOrderedUuid(Date.UTC(2026, 11, 7, 15, 0, 0, 123));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 11, 7, 15, 0, 0, 123));
  });

  it('sorts by time, as text and as PostgreSQL compares uuid values', () => {
    const ids = Array.from({ length: 600 }, (_, i) => timeOrderedUuid(1_800_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps 74 random bits: no two ids of one millisecond alike, across refills of its pool', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => timeOrderedUuid(1_800_000_000_000)));
    expect(ids.size).toBe(2000);
  });
});
