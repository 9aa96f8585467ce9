// How a batch of rows should travel to PostgreSQL: the CLI's migration updates send one JSON document per
// batch (`json_to_recordset($1::json)`); the Key Manager's token inserts send the same JSON without the stored
// secrets, and the stored secrets as one text parameter joined by a separator, cut apart by `string_to_table`
// and zipped to the JSON rows by `ROWS FROM`. The baseline, measured in the same run, is what both sent first —
// one text[] parameter per column, zipped by `unnest`. Rows like the Key Manager's: a uuid, a stored secret
// (43 characters when plaintext, ~640 as WSO2's RSA-OAEP value) and its 64-character hash, into a temporary
// table (no WAL), batches of 14 rows (the Key Manager's average under load) sent one after another on one
// connection. Rounds run the ways in turn after a warm-up; besides rows/s, the server process's CPU per row
// (from /proc: PostgreSQL on this machine).
//
//   npm run bench:batch-parameters      (builds, then runs dist/bench/batch-parameters/batch-parameters.bench.js)
//   BENCH_ROUNDS=9 BENCH_ROUND_MS=1000 npm run bench:batch-parameters
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { backendsOf, cpuOf } from '../support/bench-kit.js';

const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const ROUND_MS = Number(process.env['BENCH_ROUND_MS'] ?? 600);
const BATCH = 14;

type Batch = { ids: string[]; values: string[]; hashes: string[] };

const WAYS: Record<'text[] + unnest' | 'json_to_recordset' | 'JSON + string_to_table', (client: pg.Client, batch: Batch) => Promise<unknown>> = {
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
  // As the Key Manager's token insert (apps/key-manager tokens.repository): the values beside the JSON.
  'JSON + string_to_table': (client, b) =>
    client.query({
      name: 'json_and_values',
      text: `INSERT INTO bench_rows SELECT id, value, hash FROM ROWS FROM (json_to_recordset($1::json) AS (id uuid, hash text), string_to_table($2, E'\\x1f'))
               AS t(id, hash, value)`,
      values: [JSON.stringify(b.ids.map((id, i) => ({ id, hash: b.hashes[i] }))), b.values.join('\x1f')],
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

interface Measured {
  rowsPerSec: number;
  /** The server process's CPU per row, µs (undefined where /proc cannot show it). */
  serverUsPerRow: number | undefined;
}

/** Rows per second, and the server's CPU per row, for `ms` milliseconds of back-to-back batches. */
async function measure(client: pg.Client, server: number[] | undefined, way: (client: pg.Client, batch: Batch) => Promise<unknown>, data: Batch[], ms: number): Promise<Measured> {
  const cpuBefore = server && cpuOf(server);
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) await way(client, data[sent++ % data.length]!);
  const elapsed = performance.now() - start;
  const cpuAfter = server && cpuOf(server);
  await client.query('TRUNCATE bench_rows');
  const cpuSec = cpuBefore && cpuAfter ? [...cpuAfter].reduce((sum, [pid, sec]) => sum + sec - (cpuBefore.get(pid) ?? sec), 0) : undefined;
  return { rowsPerSec: (sent * BATCH * 1000) / elapsed, serverUsPerRow: cpuSec === undefined ? undefined : (cpuSec * 1e6) / (sent * BATCH) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE bench_rows (id uuid, value text, hash text)');
    const server = await backendsOf(client, process.pid);
    const names = Object.keys(WAYS) as Array<keyof typeof WAYS>;
    const lines = [
      `| stored value | ${names.map((n) => `${n} rows/s`).join(' | ')} | ${names.map((n) => `${n} server µs/row`).join(' | ')} | ratio (rows/s ÷ text[]) |`,
      `|---|${names.map(() => '---:|').join('')}${names.map(() => '---:|').join('')}---|`,
    ];
    for (const [label, length] of [['plaintext, 43 characters', 43], ['RSA-OAEP (WSO2), 640 characters', 640]] as const) {
      const data = batches(length);
      for (const way of Object.values(WAYS)) await measure(client, server, way, data, ROUND_MS); // warm-up
      const results = new Map(names.map((n) => [n, [] as Measured[]]));
      const ratios = new Map(names.map((n) => [n, [] as number[]]));
      for (let round = 0; round < ROUNDS; round++) {
        // Each way first as often as last: a slow spell of the machine falls on each alike.
        const order = round % 2 === 0 ? names : [...names].reverse();
        const measured = new Map<string, Measured>();
        for (const name of order) measured.set(name, await measure(client, server, WAYS[name], data, ROUND_MS));
        for (const name of names) {
          results.get(name)!.push(measured.get(name)!);
          ratios.get(name)!.push(measured.get(name)!.rowsPerSec / measured.get(names[0]!)!.rowsPerSec);
        }
      }
      const cpu = (n: keyof typeof WAYS) => {
        const values = results.get(n)!.map((m) => m.serverUsPerRow).filter((v): v is number => v !== undefined);
        return values.length ? median(values).toFixed(1) : '–';
      };
      lines.push(
        `| ${label} | ${names.map((n) => Math.round(median(results.get(n)!.map((m) => m.rowsPerSec)))).join(' | ')} | ${names.map(cpu).join(' | ')} | ` +
          `${names.slice(1).map((n) => `${n}: ${median(ratios.get(n)!).toFixed(2)}`).join(', ')} |`,
      );
    }
    process.stdout.write(`\nbatches of ${BATCH} rows; ${ROUNDS} rounds of ${ROUND_MS} ms per way; medians; ratio = median of per-round ratios\n\n${lines.join('\n')}\n`);
  } finally {
    await client.end();
  }
}

await main();
