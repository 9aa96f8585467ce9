import { Inject, Injectable } from '@nestjs/common';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { AuthThrottledError } from './key-manager.errors.js';

interface Window {
  failures: number;
  resetsAt: number;
}

/** Entries kept at most; past it the oldest windows are dropped (a flood of made-up ids cannot grow memory). */
const MAX_ENTRIES = 100_000;

/**
 * Throttles repeated failed authentication (`[oauth.client_auth_throttle]`): after `max_failures` failures
 * for one key — a client id, a user name, an IP address — within `window` seconds of the first, further
 * attempts for that key are refused (429) until the window ends, without checking the credentials. Only
 * failures count. Per instance: each Key Manager instance counts the attempts it sees.
 */
@Injectable()
export class AuthThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly maxFailures: number;
  private readonly windowMs: number;

  constructor(@Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig) {
    this.maxFailures = config.oauth.throttle.maxFailures;
    this.windowMs = config.oauth.throttle.windowSec * 1000;
  }

  /** @throws AuthThrottledError when any of the keys has used up its failures. */
  check(keys: readonly string[], now = Date.now()): void {
    let retryAfterMs = 0;
    for (const key of keys) {
      const window = this.windows.get(key);
      if (!window) continue;
      if (window.resetsAt <= now) {
        this.windows.delete(key);
        continue;
      }
      if (window.failures >= this.maxFailures) retryAfterMs = Math.max(retryAfterMs, window.resetsAt - now);
    }
    if (retryAfterMs > 0) throw new AuthThrottledError(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }

  fail(keys: readonly string[], now = Date.now()): void {
    for (const key of keys) {
      const window = this.windows.get(key);
      if (window && window.resetsAt > now) {
        window.failures++;
        continue;
      }
      this.windows.delete(key);
      this.windows.set(key, { failures: 1, resetsAt: now + this.windowMs });
    }
    if (this.windows.size > MAX_ENTRIES) this.prune(now);
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetsAt <= now) this.windows.delete(key);
    // Still too many: drop the oldest (Map keeps insertion order).
    for (const key of this.windows.keys()) {
      if (this.windows.size <= MAX_ENTRIES) break;
      this.windows.delete(key);
    }
  }
}
