// How a batch of rows should travel to PostgreSQL: the Key Manager's token inserts and the CLI's migration
// updates send one JSON document per batch (`json_to_recordset($1::json)`); the baseline, measured in the
// same run, is what they sent before — one text[] parameter per column, zipped by `unnest`. Rows like the
// Key Manager's: a uuid, a stored secret (43 characters when plaintext, ~640 as WSO2's RSA-OAEP value) and
// its 64-character hash, into a temporary table (no WAL), batches of 14 rows (the Key Manager's average
// under load) sent one after another on one connection. Rounds alternate the two ways after a warm-up.
//
//   npm run bench:batch-parameters      (builds, then runs dist/bench/batch-parameters/batch-parameters.bench.js)
//   BENCH_ROUNDS=9 BENCH_ROUND_MS=1000 npm run bench:batch-parameters
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';

const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const ROUND_MS = Number(process.env['BENCH_ROUND_MS'] ?? 600);
const BATCH = 14;

type Batch = { ids: string[]; values: string[]; hashes: string[] };

const WAYS: Record<'text[] + unnest' | 'json_to_recordset', (client: pg.Client, batch: Batch) => Promise<unknown>> = {
  'text[] + unnest': (client, b) =>
    client.query({
      name: 'unnest',
      text: 'INSERT INTO bench_rows SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])',
      values: [b.ids, b.values, b.hashes],
    }),
  json_to_recordset: (client, b) =>
    client.query({
      name: 'json',
      text: 'INSERT INTO bench_rows SELECT * FROM json_to_recordset($1::json) AS t(id uuid, value text, hash text)',
      values: [JSON.stringify(b.ids.map((id, i) => ({ id, value: b.values[i], hash: b.hashes[i] })))],
    }),
};

function batches(valueLength: number): Batch[] {
  const text = (length: number) => randomBytes(length).toString('base64').slice(0, length);
  return Array.from({ length: 64 }, () => ({
    ids: Array.from({ length: BATCH }, () => randomUUID()),
    values: Array.from({ length: BATCH }, () => text(valueLength)),
    hashes: Array.from({ length: BATCH }, () => randomBytes(32).toString('hex')),
  }));
}

/** Rows per second for `ms` milliseconds of back-to-back batches. */
async function measure(client: pg.Client, way: (client: pg.Client, batch: Batch) => Promise<unknown>, data: Batch[], ms: number): Promise<number> {
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) await way(client, data[sent++ % data.length]!);
  await client.query('TRUNCATE bench_rows');
  return (sent * BATCH * 1000) / (performance.now() - start);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE bench_rows (id uuid, value text, hash text)');
    const lines = ['| stored value | text[] + unnest rows/s | json_to_recordset rows/s | ratio (JSON ÷ text[]) |', '|---|---:|---:|---:|'];
    for (const [label, length] of [['plaintext, 43 characters', 43], ['RSA-OAEP (WSO2), 640 characters', 640]] as const) {
      const data = batches(length);
      for (const way of Object.values(WAYS)) await measure(client, way, data, ROUND_MS); // warm-up
      const rates: Record<string, number[]> = { unnest: [], json: [] };
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const unnest = await measure(client, WAYS['text[] + unnest'], data, ROUND_MS);
        const json = await measure(client, WAYS.json_to_recordset, data, ROUND_MS);
        rates['unnest']!.push(unnest);
        rates['json']!.push(json);
        ratios.push(json / unnest);
      }
      lines.push(`| ${label} | ${Math.round(median(rates['unnest']!))} | ${Math.round(median(rates['json']!))} | ${median(ratios).toFixed(2)} |`);
    }
    process.stdout.write(`\nbatches of ${BATCH} rows; ${ROUNDS} alternating rounds of ${ROUND_MS} ms; ratio = median of per-round ratios\n\n${lines.join('\n')}\n`);
  } finally {
    await client.end();
  }
}

await main();
