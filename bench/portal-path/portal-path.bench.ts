/**
 * The portal path (issue 17 item 3): a token through the Developer Portal — `generate-token` and
 * `generate-keys`, HTTP → portal → NATS → Key Manager → PostgreSQL — against the Key Manager's own
 * `POST /oauth2/token` (client_credentials, the same client) in the same run, and what the NATS hop costs in
 * CPU per request.
 *
 *   npm run bench:portal-path                          # builds, then node dist/bench/portal-path/portal-path.bench.js
 *   BENCH_ROUNDS=7 BENCH_DURATION=3 npm run bench:portal-path
 *   BENCH_ONLY=generate-token BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:portal-path   # profile one scenario
 *
 * The real services, each in its own process as deployed, RSA-OAEP token encryption on, the machine's NATS
 * (bench-kit's startServicePair). autocannon (here, in the parent) sends 10 connections to each scenario in
 * turn, in an order that changes every round; each ratio is the median of per-round ratios. generate-keys
 * makes a new client each time, so it runs a fixed number of requests per round, each on an application of
 * its own (created beforehand). CPU per request comes from /proc: the Key Manager, the portal, nats-server
 * and PostgreSQL, read before and after each scenario's turn.
 *
 * `bare hop (floor)` (BENCH_ONLY name `bare-hop`) puts bare-hop.server.js in front of the Key Manager instead of
 * the portal: an HTTP server in its own process that only parses the request, sends the portal's
 * `km.tokens.issue` over the same NATS and answers the token — what any portal in its own process must pay
 * for the hop, without the portal's own work (Nest, the user's bearer token, the key's ownership and secret,
 * validation). Its ratio to the token endpoint is the ceiling of generate-token's on this machine.
 */
import autocannon, { type Options as LoadOptions, type Result as LoadResult } from 'autocannon';
import { loadavg } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { basic, callJson, cpuOfProcessesNamed, freePort, median, postgresCpu, postgresCpuBetween, processCpuSec, startServicePair, stopServer, type LoadSample, type ServicePair } from '../support/bench-kit.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 2);
const KEYS_PER_ROUND = Number(process.env['BENCH_KEYS_PER_ROUND'] ?? 150);
const CONNECTIONS = 10;
const API = '/api/am/devportal/v3';

type Scenario = 'Key Manager /oauth2/token' | 'bare hop (floor)' | 'portal generate-token' | 'portal generate-keys';
const SHORT_NAMES: Record<string, Scenario> = {
  token: 'Key Manager /oauth2/token',
  'bare-hop': 'bare hop (floor)',
  'generate-token': 'portal generate-token',
  'generate-keys': 'portal generate-keys',
};
/** BENCH_ONLY=token,generate-token,generate-keys (any of them) runs only those scenarios. */
const SCENARIOS: Scenario[] = (process.env['BENCH_ONLY'] ?? Object.keys(SHORT_NAMES).join(',')).split(',').map((name) => {
  const scenario = SHORT_NAMES[name.trim()];
  if (!scenario) throw new Error(`BENCH_ONLY: unknown scenario "${name}" (known: ${Object.keys(SHORT_NAMES).join(', ')})`);
  return scenario;
});

interface Sample extends LoadSample {
  requests: number;
  /** CPU seconds over the turn. */
  km: number;
  /** The process in front of the Key Manager: the portal, or the bare hop in its scenario. */
  portal: number;
  nats: number;
  postgres: number;
}

const call = callJson;

/** Rounds in which every scenario follows every other one as often as possible (rotations of the list). */
const orderOf = (round: number): Scenario[] => SCENARIOS.map((_, i) => SCENARIOS[(i + round) % SCENARIOS.length]!);

interface Setup {
  services: ServicePair;
  /** The bare hop's process and address, when its scenario runs. */
  hop?: { process: ChildProcess; url: string };
  userToken: string;
  client: { id: string; secret: string; applicationId: string; keyMappingId: string };
  /** Applications without keys, one per generate-keys request to come. */
  bare: string[];
}

async function setUp(services: ServicePair): Promise<Setup> {
  const api = `${services.dpUrl}${API}`;
  const password = 'bench user password 1';
  await call(`${api}/signup`, 'POST', { username: 'bench', password });
  const userToken = String((await call(`${api}/login`, 'POST', { username: 'bench', password }))['access_token']);
  const app = await call(`${api}/applications`, 'POST', { name: 'Bench app', throttlingPolicy: 'Unlimited', description: 'bench' }, userToken);
  const applicationId = String(app['applicationId']);
  const key = await call(`${api}/applications/${applicationId}/generate-keys`, 'POST', { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] }, userToken);
  const client = { id: String(key['consumerKey']), secret: String(key['consumerSecret']), applicationId, keyMappingId: String(key['keyMappingId']) };
  // Each application takes two keys (PRODUCTION and SANDBOX): one per generate-keys request, warm-up included.
  const needed = SCENARIOS.includes('portal generate-keys') ? Math.ceil(((ROUNDS + 1) * KEYS_PER_ROUND) / 2) : 0;
  const bare: string[] = [];
  for (let i = 0; i < needed; i += 10) {
    const ids = await Promise.all(
      Array.from({ length: Math.min(10, needed - i) }, (_, j) =>
        call(`${api}/applications`, 'POST', { name: `Keys ${String(i + j).padStart(5, '0')}`, throttlingPolicy: 'Unlimited', description: 'bench' }, userToken).then((a) => String(a['applicationId'])),
      ),
    );
    bare.push(...ids);
  }
  const hop = SCENARIOS.includes('bare hop (floor)') ? await startBareHop(services) : undefined;
  return { services, userToken, client, bare, ...(hop ? { hop } : {}) };
}

/** bare-hop.server.js (beside this file) on a port of its own, on the services' NATS and subject prefix. */
async function startBareHop(services: ServicePair): Promise<{ process: ChildProcess; url: string }> {
  const port = await freePort();
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bare-hop.server.js');
  const child = spawn(process.execPath, [script, services.natsUrl, services.subjectPrefix, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    void once(child, 'exit').then(([code]) => reject(new Error(`the bare hop exited with ${String(code)} before it was ready`)));
  });
  await ready;
  return { process: child, url: `http://127.0.0.1:${port}` };
}

/** The next generate-keys request's application and key type, until they run out. */
function keyTargets(bare: string[]): () => string {
  let next = 0;
  return () => {
    const i = next++;
    const id = bare[Math.floor(i / 2)];
    if (id === undefined) throw new Error('out of applications for generate-keys: raise their number');
    return JSON.stringify({ applicationId: id, keyType: i % 2 ? 'SANDBOX' : 'PRODUCTION' });
  };
}

async function run(setup: Setup, scenario: Scenario, nextKey: () => string, duration: number): Promise<Sample> {
  const { services, userToken, client } = setup;
  const options: LoadOptions =
    scenario === 'Key Manager /oauth2/token'
      ? {
          url: `${services.kmUrl}/oauth2/token`,
          method: 'POST',
          headers: { authorization: basic(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
          duration,
        }
      : scenario === 'bare hop (floor)'
        ? {
            url: `${setup.hop!.url}/token`,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ clientId: client.id }),
            duration,
          }
      : scenario === 'portal generate-token'
        ? {
            url: `${services.dpUrl}${API}/applications/${client.applicationId}/oauth-keys/${client.keyMappingId}/generate-token`,
            method: 'POST',
            headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ consumerSecret: client.secret, validityPeriod: 3600 }),
            duration,
          }
        : {
            url: services.dpUrl,
            headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
            amount: KEYS_PER_ROUND,
            // The result (and its duration) comes at autocannon's first sample after the last answer: at the
            // default of one sample a second every generate-keys round came out at 100 requests in 1.00 s.
            sampleInt: 10,
            requests: [
              {
                method: 'POST',
                setupRequest: (request) => {
                  const { applicationId, keyType } = JSON.parse(nextKey()) as { applicationId: string; keyType: string };
                  return { ...request, path: `${API}/applications/${applicationId}/generate-keys`, body: JSON.stringify({ keyType, grantTypesToBeSupported: ['client_credentials'] }) };
                },
              },
            ],
          };
  const cpu = () => ({
    km: processCpuSec(services.keyManager.pid!) ?? NaN,
    portal: processCpuSec(scenario === 'bare hop (floor)' ? setup.hop!.process.pid! : services.devportal.pid!) ?? NaN,
    nats: cpuOfProcessesNamed('nats-server'),
    postgres: postgresCpu(),
  });
  const before = cpu();
  const result: LoadResult = await autocannon({ connections: CONNECTIONS, ...options });
  const after = cpu();
  if (result.non2xx || result.errors || result.timeouts) throw new Error(`${scenario}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  const requests = result.requests.total;
  return {
    rps: requests / (result.duration || duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    km: after.km - before.km,
    portal: after.portal - before.portal,
    nats: after.nats - before.nats,
    postgres: postgresCpuBetween(before.postgres, after.postgres) ?? NaN,
  };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const services = await startServicePair('portal-path');
  const samples = new Map<Scenario, Sample[]>(SCENARIOS.map((s) => [s, []]));
  let setup: Setup | undefined;
  try {
    const started = Date.now();
    setup = await setUp(services);
    process.stderr.write(`user, key and ${setup.bare.length} applications created through the portal in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const nextKey = keyTargets(setup.bare);
    for (const scenario of SCENARIOS) await run(setup, scenario, nextKey, 1); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of orderOf(round)) samples.get(scenario)!.push(await run(setup, scenario, nextKey, DURATION));
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    }
  } finally {
    if (setup?.hop) await stopServer(setup.hop.process);
    await services.stop();
  }

  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(
    `\nThe portal path against the Key Manager's own token endpoint: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s ` +
      `(generate-keys: ${KEYS_PER_ROUND} requests a round), RSA-OAEP on, ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ` +
      `load average ${load(loadAtStart)} at the start, ${load(loadavg())} at the end\n`,
  );
  console.log('| scenario | req/s (median) | p50 ms | p99 ms | Key Manager CPU µs/req | portal (or bare hop) CPU µs/req | nats-server CPU µs/req | PostgreSQL CPU µs/req | all four µs/req | req/s vs /oauth2/token |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const direct = samples.get('Key Manager /oauth2/token');
  const perRequest = (list: Sample[], field: 'km' | 'portal' | 'nats' | 'postgres') => (list.reduce((n, s) => n + s[field], 0) / list.reduce((n, s) => n + s.requests, 0)) * 1e6;
  const cost = new Map<Scenario, Record<'km' | 'portal' | 'nats' | 'postgres', number>>();
  for (const scenario of SCENARIOS) {
    const list = samples.get(scenario)!;
    const c = { km: perRequest(list, 'km'), portal: perRequest(list, 'portal'), nats: perRequest(list, 'nats'), postgres: perRequest(list, 'postgres') };
    cost.set(scenario, c);
    const ratio = scenario === 'Key Manager /oauth2/token' || !direct ? '–' : `${median(list.map((s, i) => s.rps / direct[i]!.rps)).toFixed(2)}×`;
    console.log(
      `| ${scenario} | ${Math.round(median(list.map((s) => s.rps)))} | ${median(list.map((s) => s.p50))} | ${median(list.map((s) => s.p99))} | ` +
        `${Math.round(c.km)} | ${Math.round(c.portal)} | ${Math.round(c.nats)} | ${Math.round(c.postgres)} | ${Math.round(c.km + c.portal + c.nats + c.postgres)} | ${ratio} |`,
    );
  }
  const viaPortal = cost.get('portal generate-token');
  const own = cost.get('Key Manager /oauth2/token');
  const floor = cost.get('bare hop (floor)');
  const floorSamples = samples.get('bare hop (floor)');
  const portalSamples = samples.get('portal generate-token');
  if (floor && own) {
    console.log(
      `\nThe bare hop (HTTP in, the bus call, JSON out: the least a portal in its own process does) costs ` +
        `${Math.round(floor.km + floor.portal + floor.nats - own.km)} µs of CPU per request more than the Key Manager's own endpoint: ` +
        `its process ${Math.round(floor.portal)} µs, the Key Manager ${Math.round(floor.km - own.km)} µs, nats-server ${Math.round(floor.nats)} µs.`,
    );
  }
  if (floorSamples && portalSamples) {
    console.log(`generate-token through the portal runs at ${median(portalSamples.map((s, i) => s.rps / floorSamples[i]!.rps)).toFixed(2)}× the bare hop's requests/s (median of per-round ratios).`);
  }
  if (!viaPortal || !own) return;
  console.log(
    `\ngenerate-token through the portal costs ${Math.round(viaPortal.km + viaPortal.portal + viaPortal.nats - own.km)} µs of CPU per request more than ` +
      `the Key Manager's own endpoint (Key Manager, portal and nats-server; PostgreSQL apart): the portal ${Math.round(viaPortal.portal)} µs ` +
      `(its HTTP request, the user's bearer token, the key's ownership, the bus request), the Key Manager ${Math.round(viaPortal.km - own.km)} µs ` +
      `(the bus request against an HTTP one), nats-server ${Math.round(viaPortal.nats)} µs.`,
  );
}

await main();
