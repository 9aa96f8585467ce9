/**
 * What tracing costs: two Key Manager processes on one schema, one with `[observability.tracing]` off (the
 * default: no SDK loaded) and one with it on, at `sample_ratio = 1` unless BENCH_SAMPLE_RATIO says (an HTTP span, the
 * PostgreSQL spans, batched export over OTLP/HTTP JSON to a receiver in this process that accepts and
 * counts). Both take turns under the same load, round by round, so background load falls on both sides;
 * each ratio (on ÷ off) is the median of the per-round ratios.
 *
 *   npm run bench:tracing                 # builds, then node dist/bench/tracing/tracing.bench.js
 *   BENCH_ROUNDS=7 BENCH_DURATION=5 BENCH_CONNECTIONS=10 npm run bench:tracing
 *   BENCH_SAMPLE_RATIO=0.1 npm run bench:tracing      # one new trace in ten recorded
 *
 * Scenarios: client_credentials issuance (POST /oauth2/token) and introspection (POST /oauth2/introspect),
 * RSA-OAEP token encryption on, on the local PostgreSQL (a fresh schema) and the machine's NATS.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'smol-toml';
import { createPkcs12Keystore } from '@app/crypto';
import { basic, freePort, post, stopServer } from '../support/bench-kit.js';

const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env['BENCH_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 3);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const SAMPLE_RATIO = Number(process.env['BENCH_SAMPLE_RATIO'] ?? 1);
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/key-manager/src/main.js');
const ADMIN = { username: 'admin', password: 'bench-admin-password' };

type Mode = 'off' | 'on';

/** The built Key Manager's main, as deployed; resolves when `/health/ready` answers 200. */
async function keyManager(configFile: string, url: string, log: string): Promise<ChildProcess> {
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env['PATH'] ?? '', DEPLOYMENT_CONFIG: configFile }, stdio: ['ignore', out, out] });
  for (let waited = 0; waited < 90_000; waited += 250) {
    if (child.exitCode !== null) throw new Error(`the Key Manager exited (${child.exitCode}); see ${log}`);
    if (await fetch(`${url}/health/ready`).then((r) => r.ok, () => false)) return child;
    await sleep(250);
  }
  throw new Error(`the Key Manager did not become ready; see ${log}`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-tracing-'));
  const schema = `bench_trace_${randomBytes(3).toString('hex')}`;
  let spans = 0;
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      spans += (body.match(/"spanId"/g) ?? []).length;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
  const children: ChildProcess[] = [];
  try {
    const keystore = path.join(dir, 'primary.p12');
    await writeFile(keystore, await createPkcs12Keystore({ alias: 'bench', password: 'bench-password' }));
    const urls = {} as Record<Mode, string>;
    for (const mode of ['off', 'on'] as const) {
      const [port, management] = [await freePort(), await freePort()];
      urls[mode] = `http://127.0.0.1:${port}`;
      const configFile = path.join(dir, `${mode}.toml`);
      await writeFile(
        configFile,
        stringify({
          server: { host: '127.0.0.1', port, public_url: urls[mode] },
          management: { host: '127.0.0.1', port: management },
          database: { url: DATABASE_URL, schema, pool_size: 10 },
          transport: { nats: { servers: [NATS_URL], subject_prefix: `bench_${schema}` } },
          keystore: { primary: { file_name: keystore, type: 'PKCS12', password: 'bench-password', alias: 'bench' } },
          super_admin: ADMIN,
          apim: { oauth_config: { enable_token_encryption: true } },
          oauth: { token_cleanup: { enable: false }, auth_throttle: { enable: false } },
          log: { level: 'warn' },
          observability: { tracing: { enabled: mode === 'on', endpoint, sample_ratio: SAMPLE_RATIO } },
        }),
        { mode: 0o600 },
      );
      // One after the other: the first creates the schema.
      children.push(await keyManager(configFile, urls[mode], path.join(dir, `${mode}.log`)));
    }
    const admin = basic(ADMIN.username, ADMIN.password);
    const register = (body: object) => post(`${urls.off}/keymanager-operations/dcr/register`, admin, JSON.stringify(body), 'application/json');
    const app = await register({ client_name: 'bench-trace-app', grant_types: ['client_credentials'] });
    const rs = await register({ client_name: 'bench-trace-rs', grant_types: ['client_credentials'], ext_resource_server: true });
    const appAuth = basic(String(app['client_id']), String(app['client_secret']));
    const token = String((await post(`${urls.off}/oauth2/token`, appAuth, 'grant_type=client_credentials'))['access_token']);
    const scenarios = {
      'client_credentials issuance': { path: '/oauth2/token', authorization: appAuth, body: 'grant_type=client_credentials' },
      introspection: { path: '/oauth2/introspect', authorization: basic(String(rs['client_id']), String(rs['client_secret'])), body: `token=${encodeURIComponent(token)}` },
    };
    const run = async (mode: Mode, scenario: keyof typeof scenarios, duration: number) => {
      const s = scenarios[scenario];
      const result = await autocannon({
        url: `${urls[mode]}${s.path}`,
        method: 'POST',
        connections: CONNECTIONS,
        duration,
        headers: { authorization: s.authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: s.body,
      });
      if (result.non2xx || result.errors) throw new Error(`${mode} ${scenario}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      return { rps: result.requests.average, p99: result.latency.p99 };
    };
    for (const mode of ['off', 'on'] as const) for (const scenario of Object.keys(scenarios) as Array<keyof typeof scenarios>) await run(mode, scenario, 1);
    const spansBefore = spans;
    console.log(`tracing off vs on (sample_ratio ${SAMPLE_RATIO}), ${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections, alternating\n`);
    console.log('| scenario | off req/s | on req/s | on ÷ off (median of rounds) | off p99 ms | on p99 ms |');
    console.log('|---|---|---|---|---|---|');
    for (const scenario of Object.keys(scenarios) as Array<keyof typeof scenarios>) {
      const rounds: Array<Record<Mode, { rps: number; p99: number }>> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const order: Mode[] = round % 2 ? ['on', 'off'] : ['off', 'on'];
        const sample = {} as Record<Mode, { rps: number; p99: number }>;
        for (const mode of order) sample[mode] = await run(mode, scenario, DURATION);
        rounds.push(sample);
      }
      const m = (mode: Mode, key: 'rps' | 'p99') => median(rounds.map((r) => r[mode][key]));
      const ratio = median(rounds.map((r) => r.on.rps / r.off.rps));
      console.log(`| ${scenario} | ${m('off', 'rps').toFixed(0)} | ${m('on', 'rps').toFixed(0)} | ${ratio.toFixed(3)} | ${m('off', 'p99')} | ${m('on', 'p99')} |`);
    }
    await sleep(6000); // one more export interval
    console.log(`\nspans received from the traced instance during the rounds: ${spans - spansBefore}`);
  } finally {
    await Promise.all(children.map((c) => stopServer(c)));
    receiver.close();
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
