/**
 * The Developer Portal's application list at scale: `GET /api/am/devportal/v3/applications` for a user with
 * 1,000 applications against a user with 10, in the same run — the first page, the last page
 * (`offset=990`; `offset=0` for 10) and the `query=` name filter — plus the query plan of the page.
 *
 *   npm run bench:portal-list                          # builds, then node dist/bench/portal-list/portal-list.bench.js
 *   BENCH_ROUNDS=7 BENCH_DURATION=3 npm run bench:portal-list
 *   BENCH_CONNECTIONS=1 npm run bench:portal-list       # one request at a time, as one user's browser sends them
 *
 * The real services, each in its own process as deployed (`node dist/apps/<service>/src/main.js` with
 * DEPLOYMENT_CONFIG), on the local PostgreSQL (fresh schemas) and the machine's NATS under a subject prefix
 * of this run's own, with RSA-OAEP token encryption on. Both users sign up and log in through the portal API;
 * their applications are created through `POST /applications`, one by one. autocannon (here, in the parent)
 * sends 10 connections (BENCH_CONNECTIONS) with the user's bearer token; the two users take turns round by round, and each ratio
 * (1,000 ÷ 10) is the median of the per-round ratios, so changing background load falls on both sides.
 */
import autocannon, { type Result as LoadResult } from 'autocannon';
import pg from 'pg';
import { BENCH_DATABASE_URL as DATABASE_URL, callJson, median, startServicePair, type LoadSample } from '../support/bench-kit.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 2);
const FILTER = '05';
// 1 is one user's browser, one request at a time; 10 (the default) is several users at once.
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const PAGE = 10;
const SIZES = [10, 1_000] as const;
const API = '/api/am/devportal/v3';

type Scenario = 'first page' | 'last page' | 'query= filter';
const SCENARIOS: Scenario[] = ['first page', 'last page', 'query= filter'];

type Sample = LoadSample;

const call = (apiUrl: string, method: string, route: string, body: unknown, token?: string) => callJson(`${apiUrl}${route}`, method, body, token);

/** A user with `count` applications, created through the API (ten at a time); returns the user's token. */
async function userWith(apiUrl: string, username: string, count: number): Promise<string> {
  const password = `${username} bench password 1`;
  await call(apiUrl, 'POST', '/signup', { username, password });
  const token = String((await call(apiUrl, 'POST', '/login', { username, password }))['access_token']);
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        call(apiUrl, 'POST', '/applications', { name: `App ${String(i + j).padStart(4, '0')}`, throttlingPolicy: 'Unlimited', description: 'bench' }, token),
      ),
    );
  }
  return token;
}

function pathOf(scenario: Scenario, size: number): string {
  if (scenario === 'first page') return `${API}/applications?limit=${PAGE}&offset=0`;
  if (scenario === 'last page') return `${API}/applications?limit=${PAGE}&offset=${size - PAGE}`;
  // A part of a name, as typed in the web app's filter: 119 of the 1,000 names contain it (App 0005, App 0050…), 1 of the 10.
  return `${API}/applications?limit=${PAGE}&offset=0&query=${FILTER}`;
}

async function load(url: string, token: string): Promise<Sample> {
  const result: LoadResult = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers: { authorization: `Bearer ${token}` } });
  if (result.non2xx || result.errors || result.timeouts) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}


async function explain(dpSchema: string, owner: string, extra: string, offset: number): Promise<string> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    await db.query(`SET search_path TO "${dpSchema}"`);
    // The statement the repository's query builder sends for the default order (name, then id).
    const plan = await db.query(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM applications a WHERE a.owner = $1 ${extra} ORDER BY lower(a.name) ASC, a.id ASC LIMIT ${PAGE} OFFSET ${offset}`,
      [owner],
    );
    const count = await db.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(DISTINCT a.id) FROM applications a WHERE a.owner = $1 ${extra}`, [owner]);
    return [...plan.rows, ...count.rows].map((r: Record<string, string>) => `    ${r['QUERY PLAN']}`).join('\n');
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const services = await startServicePair('portal-list');
  const { dpUrl, dpSchema } = services;
  try {
    const apiUrl = `${dpUrl}${API}`;

    const tokens = new Map<number, string>();
    for (const size of SIZES) {
      const started = Date.now();
      tokens.set(size, await userWith(apiUrl, `bench${size}`, size));
      process.stderr.write(`user with ${size} applications created through the API in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`ANALYZE "${dpSchema}".applications`);
    await db.end();

    // Warm-up, then rounds; the order of the two users alternates round by round.
    for (const size of SIZES) for (const scenario of SCENARIOS) await autocannon({ url: `${dpUrl}${pathOf(scenario, size)}`, connections: CONNECTIONS, duration: 1, headers: { authorization: `Bearer ${tokens.get(size)}` } });
    const samples = new Map<string, Sample[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of SCENARIOS) {
        const order = round % 2 ? [...SIZES].reverse() : [...SIZES];
        for (const size of order) {
          const key = `${scenario}|${size}`;
          samples.set(key, [...(samples.get(key) ?? []), await load(`${dpUrl}${pathOf(scenario, size)}`, tokens.get(size)!)]);
        }
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    }

    console.log(`\nGET ${API}/applications (limit ${PAGE}), ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}\n`);
    console.log('| request | p50 ms (10 apps) | p50 ms (1,000) | p99 ms (10) | p99 ms (1,000) | req/s (10) | req/s (1,000) | req/s ratio 1,000 ÷ 10 |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const scenario of SCENARIOS) {
      const small = samples.get(`${scenario}|10`)!;
      const large = samples.get(`${scenario}|1000`)!;
      const ratio = median(large.map((l, i) => l.rps / small[i]!.rps));
      const f = (n: number) => Math.round(n).toLocaleString('en-US');
      console.log(
        `| ${scenario} | ${median(small.map((s) => s.p50))} | ${median(large.map((s) => s.p50))} | ${median(small.map((s) => s.p99))} | ${median(large.map((s) => s.p99))} | ${f(median(small.map((s) => s.rps)))} | ${f(median(large.map((s) => s.rps)))} | ${ratio.toFixed(2)} |`,
      );
    }
    console.log('\nQuery plans for the user with 1,000 applications (first page; then the count):\n');
    console.log(await explain(dpSchema, 'bench1000', '', 0));
    console.log('\n  last page (and the count again):\n');
    console.log(await explain(dpSchema, 'bench1000', '', 1000 - PAGE));
    console.log('\n  with query=:\n');
    console.log(await explain(dpSchema, 'bench1000', `AND lower(a.name) LIKE lower('%${FILTER}%') ESCAPE '\\'`, 0));
  } finally {
    await services.stop();
  }
}

await main();
