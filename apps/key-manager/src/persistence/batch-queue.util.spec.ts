import { BatchItemFailure, BatchLoader, BatchQueue } from './batch-queue.util.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('BatchQueue', () => {
  test('items submitted together go out in one batch, in order', async () => {
    const batches: number[][] = [];
    const queue = new BatchQueue<number, number>(async (items) => (batches.push(items), items.map((i) => i * 10)), { maxBatch: 100, maxInFlight: 1 });
    await expect(Promise.all([1, 2, 3].map((i) => queue.submit(i)))).resolves.toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  test('an item submitted while a batch is in flight never joins it: it waits for the next query', async () => {
    const gate = deferred<void>();
    const batches: number[][] = [];
    const queue = new BatchQueue<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.promise;
        return items;
      },
      { maxBatch: 100, maxInFlight: 1 },
    );
    const first = queue.submit(1);
    await new Promise((r) => setImmediate(r));
    const second = queue.submit(2);
    const third = queue.submit(3);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    gate.resolve();
    await Promise.all([first, second, third]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  test('maxBatch splits, maxInFlight caps concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const queue = new BatchQueue<number, number>(
      async (items) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items;
      },
      { maxBatch: 4, maxInFlight: 2 },
    );
    await Promise.all(Array.from({ length: 20 }, (_, i) => queue.submit(i)));
    expect(peak).toBe(2);
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.reduce((a, b) => a + b)).toBe(20);
  });

  test('one failed item rejects alone; a failed batch rejects all of its items', async () => {
    const partial = new BatchQueue<number, number>(async (items) => items.map((i) => (i === 2 ? new BatchItemFailure(new Error('bad row')) : i)), { maxBatch: 10, maxInFlight: 1 });
    const results = await Promise.allSettled([1, 2, 3].map((i) => partial.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const broken = new BatchQueue<number, number>(async () => Promise.reject(new Error('down')), { maxBatch: 10, maxInFlight: 1 });
    const all = await Promise.allSettled([1, 2].map((i) => broken.submit(i)));
    expect(all.every((r) => r.status === 'rejected')).toBe(true);
  });
});

describe('BatchLoader', () => {
  test('asks each key once per batch and answers undefined for missing keys', async () => {
    const asked: string[][] = [];
    const loader = new BatchLoader<string, string>(async (keys) => (asked.push(keys), new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]))), {
      maxBatch: 10,
      maxInFlight: 1,
    });
    await expect(Promise.all(['a', 'b', 'a', 'missing'].map((k) => loader.load(k)))).resolves.toEqual(['A', 'B', 'A', undefined]);
    expect(asked).toEqual([['a', 'b', 'missing']]);
  });
});
