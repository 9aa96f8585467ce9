import { createHash } from 'node:crypto';

interface Entry {
  username: string;
  /** Epoch milliseconds after which the entry is not used. */
  until: number;
}

/**
 * Validated bearer tokens, keyed by the SHA-256 of the token (the token itself is never kept), for a few
 * seconds: a revoked token stops working within the TTL. Bounded; the oldest entries go first.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
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
  }

  /** Remembers a valid token, never past its own expiry (`expiresAt`, epoch seconds). */
  set(key: string, username: string, expiresAt?: number): void {
    if (this.ttlMs <= 0) return;
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
