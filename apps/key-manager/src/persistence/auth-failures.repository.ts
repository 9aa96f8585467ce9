import { Injectable } from '@nestjs/common';
import { BatchLoader } from './batch-queue.util.js';
import { SqlService } from './sql.service.js';

/** A counter as it stands: failures within the window, and seconds until its lock ends (0: not locked). */
export interface FailureCounter {
  failures: number;
  retryAfterSec: number;
}

/** The counters one failed attempt moves. `pair` and `address` are null when the address is not known. */
export interface FailureKeys {
  account: string;
  pair: string | null;
  address: string | null;
}

/** The limits and lock lengths the failure statement applies (from `[oauth.auth_throttle]`). */
export interface FailureLimits {
  windowSec: number;
  lockSec: number;
  maxLockSec: number;
  accountMaxFailures: number;
  accountAddressMaxFailures: number;
  addressMaxAccounts: number;
}

/** A counter after a failure was recorded on it. */
export interface RecordedCounter {
  key: string;
  failures: number;
  /** The counter is at or over its limit after this failure: it is locked (a new lock, or a longer one). */
  lockedNow: boolean;
}

interface CounterRow {
  key: string;
  failures: number;
  retry_after_sec: number;
}

// Everything is computed on the database's clock, so instances with skewed clocks agree.
const LOAD = {
  name: 'km_load_auth_failures',
  text: `SELECT key,
                CASE WHEN last_failure_at < now() - make_interval(secs => $2::float8) THEN 0 ELSE failures END AS failures,
                GREATEST(0, CEIL(EXTRACT(EPOCH FROM (locked_until - now()))))::int AS retry_after_sec
           FROM auth_failures WHERE key = ANY($1::text[])`,
};

/**
 * One counter's upsert: a failure older than the window starts the count again; reaching `max` locks for
 * `lock` seconds, doubled by each further failure, at most `max_lock`. A lock in force is neither shortened
 * nor extended (attempts racing it do not add to it). Parameters: $4 window, $5 lock, $6 max_lock.
 */
function upsert(keyParam: string, maxParam: string, from: string): string {
  const failures = `CASE WHEN f.last_failure_at < now() - make_interval(secs => $4::float8) THEN 1 ELSE f.failures + 1 END`;
  const lockFor = (n: string) =>
    `now() + make_interval(secs => LEAST($6::float8, $5::float8 * power(2::float8, LEAST((${n}) - ${maxParam}::int, 30))))`;
  return `
    INSERT INTO auth_failures AS f (key, failures, last_failure_at, locked_until)
    SELECT ${keyParam}::text, 1, now(), CASE WHEN 1 >= ${maxParam}::int THEN ${lockFor('1')} END ${from}
    ON CONFLICT (key) DO UPDATE SET
      failures = ${failures},
      last_failure_at = now(),
      locked_until = CASE
        WHEN f.locked_until > now() THEN f.locked_until
        WHEN ${failures} >= ${maxParam}::int THEN ${lockFor(failures)}
        ELSE NULL END
    RETURNING key, failures, failures >= ${maxParam}::int AS locked_now`;
}

/**
 * One failed attempt, in one statement: the account's counter, the account-at-address counter, and — only
 * when that pair counter starts (the address fails for an account it had not failed for within the window)
 * — the address's counter, which therefore counts distinct accounts. $1 account, $2 pair, $3 address,
 * $7 account max, $8 pair max, $9 address max.
 */
const RECORD_FAILURE = {
  name: 'km_record_auth_failure',
  text: `
    WITH pair AS (${upsert('$2', '$8', 'WHERE $2::text IS NOT NULL')}),
         account AS (${upsert('$1', '$7', '')}),
         address AS (${upsert('$3', '$9', 'FROM pair WHERE $3::text IS NOT NULL AND pair.failures = 1')})
    SELECT key, failures, locked_now FROM pair
    UNION ALL SELECT key, failures, locked_now FROM account
    UNION ALL SELECT key, failures, locked_now FROM address`,
};

const FORGET = { name: 'km_forget_auth_failures', text: `DELETE FROM auth_failures WHERE key = $1` };

/** Counters with no failure within the window and no lock in force: they no longer hold anything. */
export const DELETE_STALE_AUTH_FAILURES = `
  DELETE FROM auth_failures WHERE key IN (
    SELECT key FROM auth_failures WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until < now()) LIMIT $2)`;

/** The authentication throttle's counters, shared by every instance through PostgreSQL. */
@Injectable()
export class AuthFailuresRepository {
  private readonly loader: BatchLoader<string, FailureCounter>;
  private windowSec = 0;

  constructor(private readonly sql: SqlService) {
    this.loader = new BatchLoader(
      async (keys) => {
        const rows = await sql.query<CounterRow>(LOAD, [keys, this.windowSec]);
        return new Map(rows.map((r) => [r.key, { failures: r.failures, retryAfterSec: r.retry_after_sec }]));
      },
      { maxBatch: 256, maxInFlight: 4 },
    );
  }

  /** The window the look-ups apply (set once by the throttle from its configuration). */
  useWindow(windowSec: number): void {
    this.windowSec = windowSec;
  }

  /** The counters of these keys as they are now (batched with concurrent look-ups; never cached). */
  async load(keys: readonly string[]): Promise<Map<string, FailureCounter>> {
    const found = await Promise.all(keys.map((key) => this.loader.load(key)));
    const counters = new Map<string, FailureCounter>();
    keys.forEach((key, i) => {
      const counter = found[i];
      if (counter) counters.set(key, counter);
    });
    return counters;
  }

  async recordFailure(keys: FailureKeys, limits: FailureLimits): Promise<RecordedCounter[]> {
    const rows = await this.sql.query<{ key: string; failures: number; locked_now: boolean }>(RECORD_FAILURE, [
      keys.account,
      keys.pair,
      keys.address,
      limits.windowSec,
      limits.lockSec,
      limits.maxLockSec,
      limits.accountMaxFailures,
      limits.accountAddressMaxFailures,
      limits.addressMaxAccounts,
    ]);
    return rows.map((r) => ({ key: r.key, failures: r.failures, lockedNow: r.locked_now }));
  }

  async forget(key: string): Promise<void> {
    await this.sql.query(FORGET, [key]);
  }
}
