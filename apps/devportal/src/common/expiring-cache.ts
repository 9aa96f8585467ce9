interface Entry<V> {
  value: V;
  /** Epoch milliseconds after which the entry is not used. */
  until: number;
}

/**
 * Answers kept for a few seconds in front of a slower source (the Key Manager, the database), that other
 * instances may change: bounded (the oldest entries go first), each entry for at most `ttlMs`, and with a
 * way to forget entries at once when the source changed (a local write, or a broadcast from another
 * instance). Every forget counts in a generation, so an answer asked for before a forget is not cached
 * after it: take {@link generation} before asking the source, give it to {@link set} with the answer.
 *
 * Only positive answers belong here; callers never cache a refusal. A TTL of 0 caches nothing.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /** Counts the forgets (see {@link generation}). */
  private forgets = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Remembers an answer for the TTL, never past `until` (epoch milliseconds) when given — and not at all
   * when something was forgotten since `generation` was taken: the answer may predate that change.
   */
  set(key: K, value: V, generation = this.forgets, until = Number.POSITIVE_INFINITY): void {
    if (this.ttlMs <= 0 || generation !== this.forgets) return;
    const now = this.now();
    const end = Math.min(now + this.ttlMs, until);
    if (end <= now) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: end });
  }

  /** Forgets one entry. */
  delete(key: K): void {
    this.entries.delete(key);
    this.forgets++;
  }

  /** Forgets every entry whose value `matches`. */
  forgetWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
    this.forgets++;
  }

  /** Forgets everything (changes may have been missed). */
  clear(): void {
    this.entries.clear();
    this.forgets++;
  }

  /** Taken before asking the source, and given to {@link set} with the answer. */
  generation(): number {
    return this.forgets;
  }
}
