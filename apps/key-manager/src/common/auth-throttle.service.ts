import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AuthThrottleSettings, DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { AuthFailuresRepository, type FailureLimits } from '../persistence/auth-failures.repository.js';
import { AuthThrottledError } from './key-manager.errors.js';
import { KeyManagerMetrics } from './key-manager.metrics.js';

/** What kind of secret an attempt presents: a user's password, a client's secret, the super admin's password, a device user code. */
export type CredentialKind = 'user' | 'client' | 'admin' | 'user_code';

/** The three counters an attempt is held against (docs/security.md, "Throttling"). */
export type ThrottleLimit = 'account' | 'account_address' | 'address';

export interface AuthAttempt {
  kind: CredentialKind;
  /** The account as presented: user name (any case), client id, super admin name, user code. */
  account: string;
  /** The caller's address (`request.ip`, or the address the portal saw); undefined when not known. */
  address: string | undefined;
}

export interface VerifyOptions {
  /**
   * The check is cheap (a hash comparison, no password hashing): run it while the counters are read, to
   * keep the hot path at one round trip. Its answer is thrown away when a counter is locked.
   */
  alongside?: boolean;
}

// Printable ASCII without space and '|': kept as it is in a key (readable in the table); anything else,
// and anything long, is replaced by its SHA-256 so that a key is always short and safe to store.
const PLAIN = /^[\x21-\x7b\x7d\x7e]{1,200}$/;

function keyPart(value: string): string {
  return PLAIN.test(value) ? value : `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

interface AttemptKeys {
  account: string;
  pair: string | null;
  address: string | null;
}

/**
 * The one throttle of every password and client-secret check of the Key Manager: the password, device and
 * authorization-code sign-ins, `km.users.authenticate` (the portal's log-in), client authentication at
 * every endpoint, and the super admin. Each attempt is held against three counters, shared by all
 * instances in PostgreSQL (`auth_failures`):
 *
 * - the account at the caller's address — a low limit: a guesser at one address is stopped early, and only
 *   there, so the account's owner elsewhere is not locked out;
 * - the account from all addresses — a higher limit against guessing spread over many addresses;
 * - the address, counting distinct accounts that failed from it — password spraying and credential
 *   stuffing. Repeated failures of one account (one broken client behind a NAT) never move it.
 *
 * A reached limit locks its counter for `lock` seconds, doubled by every further failure up to
 * `max_lock` (progressive, never permanent); a locked attempt is refused (429, Retry-After) without its
 * credentials being checked or counted. A success forgets the account-at-address counter only. Failures are
 * forgotten `window` seconds after the last one.
 */
@Injectable()
export class AuthThrottle {
  private readonly settings: AuthThrottleSettings;
  private readonly limits: FailureLimits;

  constructor(
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
    private readonly failures: AuthFailuresRepository,
    private readonly metrics: KeyManagerMetrics,
  ) {
    this.settings = config.oauth.throttle;
    this.limits = {
      windowSec: this.settings.windowSec,
      lockSec: this.settings.lockSec,
      maxLockSec: this.settings.maxLockSec,
      accountMaxFailures: this.settings.accountMaxFailures,
      accountAddressMaxFailures: this.settings.accountAddressMaxFailures,
      addressMaxAccounts: this.settings.addressMaxAccounts,
    };
    failures.useWindow(this.settings.windowSec);
  }

  /**
   * Runs `check` (which answers the authenticated thing, or undefined for wrong credentials) under the
   * throttle, and records its outcome.
   *
   * @throws AuthThrottledError when a counter of the attempt is locked.
   */
  async verify<T>(attempt: AuthAttempt, check: () => Promise<T | undefined>, options: VerifyOptions = {}): Promise<T | undefined> {
    if (!this.settings.enabled) return check();
    const keys = keysOf(attempt);
    const all = [keys.account, ...(keys.pair ? [keys.pair] : []), ...(keys.address ? [keys.address] : [])];
    let counters;
    let result: T | undefined;
    if (options.alongside) {
      [counters, result] = await Promise.all([this.failures.load(all), check()]);
      this.refuseWhenLocked(attempt, keys, counters);
    } else {
      counters = await this.failures.load(all);
      this.refuseWhenLocked(attempt, keys, counters);
      result = await check();
    }
    if (result === undefined) {
      await this.recordFailure(attempt, keys);
      return undefined;
    }
    if (keys.pair && (counters.get(keys.pair)?.failures ?? 0) > 0) await this.failures.forget(keys.pair);
    return result;
  }

  private refuseWhenLocked(attempt: AuthAttempt, keys: AttemptKeys, counters: Map<string, { retryAfterSec: number }>): void {
    let retryAfterSec = 0;
    let limit: ThrottleLimit | undefined;
    for (const [which, key] of [['account', keys.account], ['account_address', keys.pair], ['address', keys.address]] as const) {
      const wait = key ? (counters.get(key)?.retryAfterSec ?? 0) : 0;
      if (wait > retryAfterSec) {
        retryAfterSec = wait;
        limit = which;
      }
    }
    if (limit === undefined) return;
    this.metrics.authThrottled.inc({ credential: attempt.kind, limit });
    throw new AuthThrottledError(retryAfterSec, attempt.kind);
  }

  private async recordFailure(attempt: AuthAttempt, keys: AttemptKeys): Promise<void> {
    this.metrics.authFailures.inc({ credential: attempt.kind });
    const counters = await this.failures.recordFailure(keys, this.limits);
    for (const counter of counters) {
      if (!counter.lockedNow) continue;
      const limit: ThrottleLimit = counter.key === keys.account ? 'account' : counter.key === keys.pair ? 'account_address' : 'address';
      this.metrics.authLocks.inc({ credential: attempt.kind, limit });
    }
  }
}

/** The counter keys of an attempt: `user:alice`, `user:alice|ip:10.0.0.7`, `ip:10.0.0.7`. */
export function keysOf(attempt: AuthAttempt): AttemptKeys {
  const name = attempt.kind === 'user' ? attempt.account.toLowerCase() : attempt.account;
  const account = `${attempt.kind}:${keyPart(name)}`;
  if (attempt.address === undefined || attempt.address === '') return { account, pair: null, address: null };
  const address = `ip:${keyPart(attempt.address)}`;
  return { account, pair: `${account}|${address}`, address };
}
