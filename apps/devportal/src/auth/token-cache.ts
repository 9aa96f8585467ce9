import { hash as oneShotHash } from 'node:crypto';

interface Entry {
  username: string;
  /** Epoch milliseconds after which the entry is not used. */
  until: number;
}

/**
 * Validated bearer tokens, keyed by the SHA-256 of the token (the token itself is never kept), for a few
 * seconds: a revoked token stops working within the TTL, and at once when its user's tokens are forgotten
 * ({@link forgetUsers}). Bounded; the oldest entries go first.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  /** Counts the forgets, so an answer asked for before one is not cached after it ({@link generation}). */
  private forgets = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  static keyOf(token: string): string {
    return oneShotHash('sha256', token, 'base64url');
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.username;
  }

  /** Forgets a token (at log-out), so that this instance stops accepting it at once. */
  delete(key: string): void {
    this.entries.delete(key);
    this.forgets++;
  }

  /** Forgets every token of these users (some of their tokens stopped working). */
  forgetUsers(usernames: Iterable<string>): void {
    const gone = new Set(usernames);
    for (const [key, entry] of this.entries) if (gone.has(entry.username)) this.entries.delete(key);
    this.forgets++;
  }

  /** Forgets everything (revocations may have been missed). */
  clear(): void {
    this.entries.clear();
    this.forgets++;
  }

  /** Taken before asking whether a token is valid, and given to {@link set} with the answer. */
  generation(): number {
    return this.forgets;
  }

  /**
   * Remembers a valid token, never past its own expiry (`expiresAt`, epoch seconds) — and not at all when
   * something was forgotten since `generation` was taken: the answer may predate that revocation.
   */
  set(key: string, username: string, expiresAt?: number, generation = this.forgets): void {
    if (this.ttlMs <= 0 || generation !== this.forgets) return;
    const until = Math.min(this.now() + this.ttlMs, expiresAt !== undefined ? expiresAt * 1000 : Number.POSITIVE_INFINITY);
    if (until <= this.now()) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { username, until });
  }
}
