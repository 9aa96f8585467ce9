import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG, ROOT_LOGGER } from '@app/platform';
import { DELETE_STALE_AUTH_FAILURES } from '../persistence/auth-failures.repository.js';
import { SqlService, type SqlTransaction } from '../persistence/sql.service.js';

export interface CleanupReport {
  tokens: number;
  codes: number;
  /** Device authorizations expired longer ago than the retention (RFC 8628). */
  deviceCodes: number;
  /** jwt-bearer assertions remembered against replay whose JWT has expired (they can no longer be presented). */
  assertions: number;
  /** Authentication throttle counters with no failure within the window and no lock in force. */
  authFailures: number;
}

// Token rows go when revoked, or when both the access token and any refresh token have expired, longer
// ago than the retention. Rows INACTIVE through rotation stay while their refresh token could still be
// presented: they are what detects the reuse of a rotated refresh token. Each statement walks one index from
// its oldest entry (ORDER BY … LIMIT): with one OR of both conditions and a bare LIMIT the planner chose a
// sequential scan from the start of the table, which after each batch reads again the rows deleted before it
// (until vacuum); the oldest rows are at the start of a table filled over time (docs/benchmarks.md, table-size).
const DELETE_REVOKED_TOKENS = `
  DELETE FROM oauth_tokens WHERE id IN (
    SELECT id FROM oauth_tokens WHERE revoked_at IS NOT NULL AND revoked_at < $1 ORDER BY revoked_at LIMIT $2)`;

const DELETE_EXPIRED_TOKENS = `
  DELETE FROM oauth_tokens WHERE id IN (
    SELECT id FROM oauth_tokens
     WHERE expires_at < $1 AND (refresh_expires_at IS NULL OR refresh_expires_at < $1)
     ORDER BY expires_at LIMIT $2)`;

/**
 * After each batch the job waits this many times as long as the batch took: it takes at most a quarter of one
 * database connection's time, however far behind it is, so requests keep the CPU (on 2 shared cores a job
 * deleting flat out halved the request rate). A quarter still deletes thousands of rows a second there —
 * far more than any shop issues.
 */
const PAUSE_PER_BATCH_TIME = 3;

// Used codes stay for the retention so that a replay is still recognised (and revokes its tokens).
const DELETE_CODES = `
  DELETE FROM authorization_codes WHERE id IN (
    SELECT id FROM authorization_codes WHERE used_at < $1 OR expires_at < $1 LIMIT $2)`;

const DELETE_DEVICE_CODES = `
  DELETE FROM device_authorizations WHERE id IN (
    SELECT id FROM device_authorizations WHERE expires_at < $1 LIMIT $2)`;

// An assertion past its exp is refused for expiry anyway: remembering its jti any longer protects nothing.
const DELETE_ASSERTIONS = `
  DELETE FROM used_assertions WHERE (issuer, jti) IN (
    SELECT issuer, jti FROM used_assertions WHERE expires_at < $1 LIMIT $2)`;

/**
 * Removes expired and revoked tokens and used or expired authorization codes older than the retention
 * (`[oauth.token_cleanup]`), in batches so that no statement holds many locks, on one instance at a time
 * (a Postgres advisory lock per schema: the others skip the round).
 */
@Injectable()
export class TokenCleanupService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly sql: SqlService,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'token-cleanup' });
  }

  onApplicationBootstrap(): void {
    const { enabled, intervalSec } = this.config.oauth.cleanup;
    if (!enabled) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'token clean-up failed'))
        .finally(() => (this.running = undefined));
    }, intervalSec * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round; undefined when another instance holds the lock. */
  async runOnce(now = new Date()): Promise<CleanupReport | undefined> {
    const { retentionSec, batchSize } = this.config.oauth.cleanup;
    const cutoff = new Date(now.getTime() - retentionSec * 1000);
    const lockKey = `token-cleanup:${this.config.database.schema}`;
    return this.sql.withConnection(async (connection) => {
      const [lock] = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey]);
      if (!lock?.locked) return undefined;
      try {
        const tokens =
          (await this.deleteInBatches(connection, DELETE_REVOKED_TOKENS, cutoff, batchSize)) +
          (await this.deleteInBatches(connection, DELETE_EXPIRED_TOKENS, cutoff, batchSize));
        const codes = await this.deleteInBatches(connection, DELETE_CODES, cutoff, batchSize);
        const deviceCodes = await this.deleteInBatches(connection, DELETE_DEVICE_CODES, cutoff, batchSize);
        const assertions = await this.deleteInBatches(connection, DELETE_ASSERTIONS, now, batchSize);
        const throttleCutoff = new Date(now.getTime() - this.config.oauth.throttle.windowSec * 1000);
        const authFailures = await this.deleteInBatches(connection, DELETE_STALE_AUTH_FAILURES, throttleCutoff, batchSize);
        if (tokens + codes + deviceCodes + assertions + authFailures > 0) {
          this.logger.info({ tokens, codes, deviceCodes, assertions, authFailures, cutoff: cutoff.toISOString() }, 'token clean-up removed rows');
        }
        return { tokens, codes, deviceCodes, assertions, authFailures };
      } finally {
        await connection.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    });
  }

  private async deleteInBatches(connection: SqlTransaction, statement: string, cutoff: Date, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const started = performance.now();
      const deleted = await connection.query(`${statement} RETURNING 1`, [cutoff, batchSize]);
      total += deleted.length;
      if (deleted.length < batchSize) return total;
      await sleep((performance.now() - started) * PAUSE_PER_BATCH_TIME);
    }
  }
}
