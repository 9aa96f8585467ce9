import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Gauge } from 'prom-client';
import { parseScheme, type SchemeCapability, type TokenProcessor } from '@app/crypto';
import { STORED_SECRETS, type StoredSecretColumn, type StoringService } from '@app/contracts';
import { loggableMessage } from '../logging/error-serializer.js';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { ProcessIdentity } from '../runtime/runtime.module.js';
import { EncryptionService } from './encryption.service.js';
import { COMPACT_STORED_VALUE_COUNTS, READ_STORED_VALUE_COUNTS } from './stored-value-counts.js';

/** How often the appended rows of the running counts are folded together (it keeps reading them a few rows). */
const COMPACT_INTERVAL_MS = 60_000;

/** How many values of one column are stored under one scheme, and what that means for this node. */
export interface StoredSecretsRow {
  table: string;
  column: string;
  scheme: string;
  count: number;
  /** This node can use these values: it holds the key, or they are plaintext, or they are hashes (matched, never read). */
  readable: boolean;
  /** Stored as their hash only: they keep working by hash, but nothing can read them back or rewrite them. */
  hashOnly: boolean;
  /** Stored exactly as this node writes today; otherwise `tokens migrate` would rewrite it (hash-only values excepted). */
  current: boolean;
}

export interface StoredSecretsReport {
  rows: StoredSecretsRow[];
  /** Values `tokens migrate` would rewrite: readable, not hash-only, not under the current settings. */
  notCurrent: number;
  unreadable: number;
  /** Values stored as hash only while the current settings write something else: kept as they are, counted apart. */
  hashOnly: number;
}

/** The state of a row in operator words (and the gauge's `state` label). */
export function storedSecretsState(row: StoredSecretsRow): 'current' | 'stale' | 'hash-only' | 'unreadable' {
  return !row.readable ? 'unreadable' : row.current ? 'current' : row.hashOnly ? 'hash-only' : 'stale';
}

/** One row of the running counts (see stored-value-counts.ts). */
export interface StoredValueCountRow {
  table_name: string;
  column_name: string;
  scheme: string;
  n: number;
}

/**
 * The values of every secret column by storage scheme, from the running counts the database keeps
 * (`stored_value_counts`): one query over a few rows, whatever the number of stored values.
 */
export async function countStoredSecrets(
  query: (sql: string) => Promise<StoredValueCountRow[]>,
  columns: readonly StoredSecretColumn[],
  judge: { capability(scheme: string): SchemeCapability; isCurrent(scheme: string): boolean },
): Promise<StoredSecretsReport> {
  const counts = await query(READ_STORED_VALUE_COUNTS);
  const rows: StoredSecretsRow[] = [];
  for (const c of columns) {
    for (const r of counts.filter((x) => x.table_name === c.table && x.column_name === c.value)) {
      const capability = judge.capability(r.scheme);
      rows.push({
        table: c.table,
        column: c.value,
        scheme: r.scheme,
        count: Number(r.n),
        readable: capability !== 'unreadable',
        hashOnly: capability === 'hash-only',
        current: judge.isCurrent(r.scheme),
      });
    }
  }
  const total = (state: ReturnType<typeof storedSecretsState>) => rows.filter((r) => storedSecretsState(r) === state).reduce((n, r) => n + r.count, 0);
  return { rows, notCurrent: total('stale') + total('unreadable'), unreadable: total('unreadable'), hashOnly: total('hash-only') };
}

/** Refusal to start: some stored value is under a key this node does not hold. The message says how to fix it. */
export class UnreadableStoredSecretsError extends Error {
  readonly code = 'STORED_SECRETS_UNREADABLE';
  constructor(readonly rows: StoredSecretsRow[]) {
    super(
      [
        'Refusing to start: some stored secrets are under a key this node does not hold.',
        ...rows.map((r) => {
          const parsed = safeParse(r.scheme);
          const key = parsed ? `key id ${parsed.keyId} (${parsed.transformation})` : `unknown scheme "${r.scheme}"`;
          return `  table ${r.table}, column ${r.column}: ${r.count} value(s) stored under ${key}`;
        }),
        'Fix: add the keystore holding that key as a [[keystore.old]] entry (or the symmetric key as [encryption] old_key)',
        'to deployment.toml, start again, then rewrite the values with the CLI: token-encryption tokens migrate (docs/operations.md)',
      ].join('\n'),
    );
  }
}

function safeParse(scheme: string): { transformation: string; keyId: string } | undefined {
  try {
    const p = parseScheme(scheme);
    return p.kind === 'encrypted' ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks at start that every stored secret is readable (else the service refuses to start), and reports
 * values not stored under the current settings — in logs, `/health/ready` and a gauge — until they are
 * migrated. The figures come from the running counts, so they are there from the start and current at every
 * readiness check and scrape.
 */
@Injectable()
export class StoredSecretsInspector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StoredSecretsInspector.name);
  private readonly service: StoringService;
  private timer: NodeJS.Timeout | undefined;
  private last: StoredSecretsReport | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly encryption: EncryptionService,
    @Inject(ProcessIdentity) identity: ProcessIdentity,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
  ) {
    this.service = identity.service === 'devportal' ? 'devportal' : 'key-manager';
    const report = () => this.figures();
    new Gauge({
      name: 'token_encryption_stored_values',
      help: 'Stored secret values by table, column, storage scheme and state (current, stale = readable but not under the current settings, hash-only = stored as a hash under other current settings: kept, cannot be rewritten, unreadable)',
      labelNames: ['table', 'column', 'scheme', 'state'],
      registers: [metrics.registry],
      // Counted at each scrape (a read of the running counts).
      async collect() {
        const rows = (await report())?.rows ?? [];
        this.reset();
        for (const r of rows) this.set({ table: r.table, column: r.column, scheme: r.scheme, state: storedSecretsState(r) }, r.count);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const report = await this.refresh();
    if (report.unreadable > 0) throw new UnreadableStoredSecretsError(report.rows.filter((r) => !r.readable));
    if (report.notCurrent > 0) {
      this.logger.warn(
        `${report.notCurrent} stored secret(s) are not under the current encryption settings (${this.encryption.profile.fingerprint}); ` +
          'they are still read; rewrite them with the CLI: token-encryption tokens migrate (docs/operations.md)',
      );
    }
    this.timer = setInterval(
      () => void this.dataSource.query(COMPACT_STORED_VALUE_COUNTS).catch((e: unknown) => this.logger.warn(`stored value counts not compacted: ${loggableMessage(e)}`)),
      COMPACT_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The most recent report (as of the last readiness check, scrape, rollout or {@link refresh}). */
  get lastReport(): StoredSecretsReport | undefined {
    return this.last;
  }

  /**
   * The figures now, for readiness checks and scrapes: counted again, or the last ones when the database does
   * not answer within 2 s (a check must not hang on a database in trouble; the database check says so).
   */
  figures(): Promise<StoredSecretsReport | undefined> {
    const late = new Promise<StoredSecretsReport | undefined>((resolve) => setTimeout(() => resolve(this.last), 2000).unref());
    return Promise.race([this.refresh().catch(() => this.last), late]);
  }

  /** Counts stored values as `processor` would judge them (current settings when omitted). */
  async count(processor: TokenProcessor = this.encryption.processor): Promise<StoredSecretsReport> {
    return countStoredSecrets((sql) => this.dataSource.query(sql), STORED_SECRETS[this.service], {
      capability: (s) => processor.cipher.capability(s),
      isCurrent: (s) => processor.isCurrent(s),
    });
  }

  /** Counts now: a read of the running counts. */
  async refresh(): Promise<StoredSecretsReport> {
    const report = await this.count();
    this.last = report;
    return report;
  }
}
