/** Marks one item of a batch as failed while the others succeed (e.g. one row of a multi-row INSERT). */
export class BatchItemFailure {
  constructor(readonly error: unknown) {}
}

export interface BatchQueueOptions {
  /** Most items per query. */
  maxBatch: number;
  /** Most queries of this queue in flight at once; items arriving meanwhile wait and go out together. */
  maxInFlight: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs work items in batches. Items submitted in the same turn of the event loop (all the requests whose
 * bytes arrived in one poll phase), or while earlier batches are in flight, go out together: at low load
 * each item runs at once (one `setImmediate` later), under load the batches grow by themselves and the
 * database sees a few queries per tick instead of one per request.
 *
 * An item never joins a query that was already sent: its answer reflects the database at or after the
 * moment it was submitted, so batching never returns a state older than the request (a token revoked
 * before the request arrived is never seen as active). There is no cache.
 */
export class BatchQueue<I, O> {
  private pending: Pending<I, O>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<Array<O | BatchItemFailure>>,
    private readonly options: BatchQueueOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a batch slot (for tests and metrics). */
  get waiting(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    while (this.inFlight < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.execute(batch);
    }
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const result = results[i];
        if (result instanceof BatchItemFailure) p.reject(result.error);
        else p.resolve(result as O);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}

/**
 * A {@link BatchQueue} of look-ups by key: one `WHERE key = ANY($1)` query per batch, duplicate keys asked
 * once. Resolves `undefined` for a key with no row.
 */
export class BatchLoader<K, V> {
  private readonly queue: BatchQueue<K, V | undefined>;

  constructor(fetch: (keys: K[]) => Promise<Map<K, V>>, options: BatchQueueOptions) {
    this.queue = new BatchQueue(async (keys) => {
      const found = await fetch([...new Set(keys)]);
      return keys.map((k) => found.get(k));
    }, options);
  }

  load(key: K): Promise<V | undefined> {
    return this.queue.submit(key);
  }
}
