import type { Pool, PoolClient } from 'pg';
import { HASHED_SCHEME, type RevealResult, type RsaWorkerPool, type TokenProcessor } from '@app/crypto';
import type { StoredSecretColumn, StoringService } from '@app/contracts';
import { quoteIdentifier } from '@app/platform';

/** One service's schema, reached through a pool on its database. */
export interface MigrationTarget {
  service: StoringService;
  schema: string;
  pool: Pool;
}

export interface MigrateOptions {
  batchSize: number;
  dryRun: boolean;
  /** Read every rewritten value back and check it against its lookup hash. */
  verify: boolean;
}

/** What happened to one column. */
export interface ColumnResult {
  service: StoringService;
  schema: string;
  table: string;
  column: string;
  /** Values not under the current settings when the column was reached (hash-only values not counted). */
  pending: number;
  /** Stored as hashes only under other current settings: nothing can read them back, so they are left as they are. */
  hashOnly: number;
  /** Rewritten under the current settings (or, in a dry run, that would have been). */
  migrated: number;
  /** Changed by a service between our read and our write: left alone (the service wrote the current settings). */
  skippedConcurrent: number;
  /** Stored under a key this node does not hold, or failing authentication: left alone, reported. */
  unreadable: number;
  /** Decrypted to something whose hash is not the stored lookup hash: left alone, reported. */
  hashMismatch: number;
  /** --verify: rewritten values that did not read back to their hash. */
  verifyFailures: number;
}

export interface MigrationProgress {
  advance(rows: number): void;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
/** Schemes whose values cannot be read back, so never rewritten (into anything else than themselves). */
const HASH_ONLY_SCHEMES = [HASHED_SCHEME];

/**
 * Rewrites stored secrets that are not under the current settings into them: encrypt plaintext, decrypt to
 * plaintext, re-encrypt under a new key or transformation, or hash (one way) — whatever the recorded scheme
 * and the current settings say. Values stored as hashes only cannot be read back: they are counted and left.
 *
 * - Batched (keyset pagination on `id`, `batchSize` rows in memory at a time), each batch written in one
 *   transaction.
 * - Safe beside running services: a row is updated only if its value and scheme are still what we read, so a
 *   value a service changed meanwhile is never overwritten.
 * - Resumable and idempotent: it selects by "scheme is not current", so a run killed anywhere and started
 *   again continues where it stopped and never rewrites a value twice.
 * - The RSA work of each batch (decryption, and encryption when writing RSA-OAEP) is spread over the
 *   {@link RsaWorkerPool}'s threads; everything else runs here, with the pool's processor.
 */
export class TokenMigrator {
  private readonly processor: TokenProcessor;

  constructor(
    private readonly pool: RsaWorkerPool,
    private readonly options: MigrateOptions,
  ) {
    this.processor = pool.processor;
  }

  async countPending(target: MigrationTarget, column: StoredSecretColumn): Promise<number> {
    const { rows } = await target.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdentifier(target.schema)}.${quoteIdentifier(column.table)}
        WHERE ${quoteIdentifier(column.value)} IS NOT NULL AND ${quoteIdentifier(column.scheme)} <> $1 AND ${quoteIdentifier(column.scheme)} <> ALL($2::text[])`,
      [this.processor.cipher.writeScheme, HASH_ONLY_SCHEMES],
    );
    return rows[0]?.n ?? 0;
  }

  /** Values of the column stored as hashes only while the current settings write something else. */
  async countHashOnly(target: MigrationTarget, column: StoredSecretColumn): Promise<number> {
    const { rows } = await target.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdentifier(target.schema)}.${quoteIdentifier(column.table)}
        WHERE ${quoteIdentifier(column.value)} IS NOT NULL AND ${quoteIdentifier(column.scheme)} <> $1 AND ${quoteIdentifier(column.scheme)} = ANY($2::text[])`,
      [this.processor.cipher.writeScheme, HASH_ONLY_SCHEMES],
    );
    return rows[0]?.n ?? 0;
  }

  /** `pending`: the caller's {@link countPending} of this column, when it has one (it is a full scan). */
  async migrateColumn(target: MigrationTarget, column: StoredSecretColumn, progress?: MigrationProgress, pending?: number): Promise<ColumnResult> {
    const current = this.processor.cipher.writeScheme;
    const table = `${quoteIdentifier(target.schema)}.${quoteIdentifier(column.table)}`;
    const [v, s, h] = [quoteIdentifier(column.value), quoteIdentifier(column.scheme), quoteIdentifier(column.hash)];
    const result: ColumnResult = {
      service: target.service,
      schema: target.schema,
      table: column.table,
      column: column.value,
      pending: pending ?? (await this.countPending(target, column)),
      hashOnly: await this.countHashOnly(target, column),
      migrated: 0,
      skippedConcurrent: 0,
      unreadable: 0,
      hashMismatch: 0,
      verifyFailures: 0,
    };
    type StoredRow = { id: string; value: string; scheme: string; hash: string | null };
    /** A batch read, its RSA decryption queued on the pool's threads. */
    type ReadBatch = { rows: StoredRow[]; readable: StoredRow[]; revealed: Promise<RevealResult[]> };
    let lastId = ZERO_UUID;
    const readBatch = async (): Promise<ReadBatch | undefined> => {
      const { rows } = await target.pool.query<StoredRow>(
        // `t.id`, qualified: a bare `ORDER BY id` would name the output column `id` (the text), which no index
        // serves, so every batch would scan and sort the whole table (quadratic in the row count).
        `SELECT t.id::text AS id, ${v} AS value, ${s} AS scheme, ${h} AS hash FROM ${table} AS t
         WHERE ${v} IS NOT NULL AND ${s} <> $1 AND ${s} <> ALL($4::text[]) AND t.id > $2::uuid ORDER BY t.id LIMIT $3`,
        [current, lastId, this.options.batchSize, HASH_ONLY_SCHEMES],
      );
      if (rows.length === 0) return undefined;
      lastId = rows[rows.length - 1]!.id;
      const readable = rows.filter((row) => this.processor.cipher.canRead(row.scheme));
      const revealed = this.pool.reveal(
        column.kind,
        readable.map((row) => ({ stored: row.value, scheme: row.scheme })),
      );
      // Awaited in its turn; a failure meanwhile must not surface as an unhandled rejection.
      revealed.catch(() => undefined);
      return { rows, readable, revealed };
    };

    // Three stages overlap, so the threads never wait for the main thread or PostgreSQL: while the threads
    // decrypt batch N+1 (queued behind batch N as soon as it is read), this thread checks and seals batch N,
    // and batch N-1's UPDATE runs. At most one write is in flight: memory holds three batches.
    let inFlight: Promise<void> = Promise.resolve();
    for (let batch = await readBatch(); batch; ) {
      const { rows, readable, revealed } = batch;
      batch = await readBatch();

      result.unreadable += rows.length - readable.length;
      const rewrite: { row: StoredRow; plaintext: string }[] = [];
      (await revealed).forEach((read, i) => {
        const row = readable[i]!;
        if (!read.ok) result.unreadable++;
        else if (row.hash !== null && this.processor.lookupHash(read.plaintext) !== row.hash) result.hashMismatch++;
        else rewrite.push({ row, plaintext: read.plaintext });
      });
      const sealed = await this.pool.protect(
        column.kind,
        rewrite.map((r) => r.plaintext),
      );
      const ids = rewrite.map((r) => r.row.id);
      const values = sealed.map((p) => p.stored);
      const schemes = sealed.map((p) => p.scheme);
      const oldValues = rewrite.map((r) => r.row.value);
      const oldSchemes = rewrite.map((r) => r.row.scheme);

      if (this.options.dryRun) {
        result.migrated += ids.length;
        progress?.advance(rows.length);
        continue;
      }
      await inFlight;
      const batchRows = rows.length;
      inFlight = (async () => {
        if (ids.length > 0) {
          const updated = await this.inTransaction(target.pool, async (client) => {
            // One JSON document, not text[] literals: PostgreSQL parses long ciphertexts from JSON faster (bench:batch-parameters).
            const res = await client.query<{ id: string }>(
              `UPDATE ${table} AS t SET ${v} = u.value, ${s} = u.scheme
               FROM json_to_recordset($1::json) AS u(id uuid, value text, scheme text, old_value text, old_scheme text)
               WHERE t.id = u.id AND t.${s} = u.old_scheme AND t.${v} = u.old_value
               RETURNING t.id::text AS id`,
              [JSON.stringify(ids.map((id, i) => ({ id, value: values[i], scheme: schemes[i], old_value: oldValues[i], old_scheme: oldSchemes[i] })))],
            );
            return res.rows.map((r) => r.id);
          });
          result.migrated += updated.length;
          result.skippedConcurrent += ids.length - updated.length;
          if (this.options.verify && updated.length > 0) result.verifyFailures += await this.verify(target, column, updated);
        }
        progress?.advance(batchRows);
      })();
      // Surface a failed write at the next await, never as an unhandled rejection.
      inFlight.catch(() => undefined);
    }
    await inFlight;
    return result;
  }

  private async verify(target: MigrationTarget, column: StoredSecretColumn, ids: string[]): Promise<number> {
    const { rows } = await target.pool.query<{ value: string; scheme: string; hash: string | null }>(
      `SELECT ${quoteIdentifier(column.value)} AS value, ${quoteIdentifier(column.scheme)} AS scheme, ${quoteIdentifier(column.hash)} AS hash
       FROM ${quoteIdentifier(target.schema)}.${quoteIdentifier(column.table)} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    // A value stored as its hash is checked here; every other is read back (through the pool) and hashed.
    const hashed = rows.filter((row) => row.scheme === HASHED_SCHEME);
    const sealed = rows.filter((row) => row.scheme !== HASHED_SCHEME);
    let failures = 0;
    for (const row of hashed) {
      // A service may have replaced the value since (under the current settings): still must match its own hash.
      if (row.hash !== null && !this.processor.holds(column.kind, { stored: row.value, scheme: row.scheme }, row.hash)) failures++;
    }
    const revealed = await this.pool.reveal(
      column.kind,
      sealed.map((row) => ({ stored: row.value, scheme: row.scheme })),
    );
    sealed.forEach((row, i) => {
      const read = revealed[i]!;
      if (row.hash !== null && (!read.ok || this.processor.lookupHash(read.plaintext) !== row.hash)) failures++;
    });
    // Rows deleted meanwhile (clean-up job) are not failures: they simply are not read back.
    return failures;
  }

  private async inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await work(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
}
