import { hash as oneShotHash } from 'node:crypto';
import { ExpiringCache } from '../common/expiring-cache.js';

/**
 * Validated bearer tokens, keyed by the SHA-256 of the token (the token itself is never kept), for a few
 * seconds: a revoked token stops working within the TTL, and at once when its user's tokens are forgotten
 * ({@link forgetUsers}). Bounded; the oldest entries go first (see {@link ExpiringCache}, which holds the
 * entries; this class adds what is particular to tokens: the key, the users, the token's own expiry).
 */
export class TokenCache {
  private readonly cache: ExpiringCache<string, string>;

  constructor(ttlMs: number, maxEntries = 10_000, now: () => number = Date.now) {
    this.cache = new ExpiringCache(ttlMs, maxEntries, now);
  }

  static keyOf(token: string): string {
    return oneShotHash('sha256', token, 'base64url');
  }

  /** The user of a cached valid token. */
  get(key: string): string | undefined {
    return this.cache.get(key);
  }

  /** Forgets a token (at log-out), so that this instance stops accepting it at once. */
  delete(key: string): void {
    this.cache.delete(key);
  }

  /** Forgets every token of these users (some of their tokens stopped working). */
  forgetUsers(usernames: Iterable<string>): void {
    const gone = new Set(usernames);
    this.cache.forgetWhere((username) => gone.has(username));
  }

  /** Forgets everything (revocations may have been missed). */
  clear(): void {
    this.cache.clear();
  }

  /** Taken before asking whether a token is valid, and given to {@link set} with the answer. */
  generation(): number {
    return this.cache.generation();
  }

  /**
   * Remembers a valid token, never past its own expiry (`expiresAt`, epoch seconds) — and not at all when
   * something was forgotten since `generation` was taken: the answer may predate that revocation.
   */
  set(key: string, username: string, expiresAt?: number, generation = this.cache.generation()): void {
    this.cache.set(key, username, generation, expiresAt !== undefined ? expiresAt * 1000 : undefined);
  }
}
