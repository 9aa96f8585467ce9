// Slow clients are cut off and open connections are capped (issue 10, defect 9), on both services, over real
// sockets: a client that never finishes its headers, one that stalls in its body, one that connects and says
// nothing, and an idle keep-alive connection are each closed within the configured time while normal requests
// keep succeeding; past [server] max_connections a new connection is closed at once while the open ones work.
// Before: none of them was ever closed (Node's defaults, 60 s and 300 s, checked every 30 s, no cap).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { MetricsRegistry } from '@app/platform';
import { DEVPORTAL_API, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore } from '../support/test-keystore.js';

jest.setTimeout(60_000);

const LIMITS = { headers_timeout: 1000, request_timeout: 2000, idle_timeout: 3000, keep_alive_timeout: 2000, max_connections: 6 };
/** Node checks the headers and request timeouts every second at most (http-limits.ts), and adds 1 s to keep-alive. */
const SLACK_MS = 1500;

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;

beforeAll(async () => {
  tmp = await makeTempDir('slow-clients-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'off', nats: nats.url, toml: { server: LIMITS } });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

/** A raw TCP client: what it sent, what it got back, and when the server closed it. */
interface RawClient {
  socket: Socket;
  received(): string;
  closed: Promise<number>;
}

function rawClient(baseUrl: string, send = ''): Promise<RawClient> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const socket = connect(Number(port), hostname);
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined); // a reset is a close, reported by `closed`
    socket.once('connect', () => {
      if (send) socket.write(send);
      resolve({ socket, received: () => data, closed });
    });
    socket.once('error', reject);
  });
}

/** Sends one request on an open connection and waits for a whole (small, non-chunked) response. */
async function requestOn(client: RawClient, request: string): Promise<string> {
  const before = client.received().length;
  client.socket.write(request);
  for (let i = 0; i < 100; i++) {
    const text = client.received().slice(before);
    const length = /content-length: (\d+)/i.exec(text);
    const end = text.indexOf('\r\n\r\n');
    if (length && end >= 0 && text.length >= end + 4 + Number(length[1])) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no complete response: ${JSON.stringify(client.received().slice(before, before + 200))}`);
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const services = () => [
  { name: 'Key Manager', baseUrl: stack.keyManager.baseUrl, app: stack.keyManager.app, post: '/oauth2/token', normal: '/.well-known/openid-configuration' },
  { name: 'Developer Portal', baseUrl: stack.devportal.baseUrl, app: stack.devportal.app, post: `${DEVPORTAL_API}/login`, normal: `${DEVPORTAL_API}/openapi.json` },
];

describe.each(['Key Manager', 'Developer Portal'])('%s', (name) => {
  const service = () => services().find((s) => s.name === name)!;

  it('closes unfinished headers, a stalled body, a silent connection and an idle keep-alive one in time, while normal requests go on', async () => {
    const { baseUrl, post, normal } = service();
    const host = `Host: ${new URL(baseUrl).host}\r\n`;
    const headers = await rawClient(baseUrl, `GET /health/live HTTP/1.1\r\n${host}X-Slow: `);
    const body = await rawClient(baseUrl, `POST ${post} HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user`);
    const silent = await rawClient(baseUrl);
    const keepAlive = await rawClient(baseUrl);
    expect(await requestOn(keepAlive, `GET /health/live HTTP/1.1\r\n${host}\r\n`)).toMatch(/^HTTP\/1\.1 200/);

    // Normal traffic all along, on fresh connections and on fetch's kept-alive ones.
    const statuses: number[] = [];
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        for (const path of ['/health/live', normal]) {
          const response = await fetch(`${baseUrl}${path}`);
          await response.arrayBuffer(); // read whole, so that fetch reuses its connection
          statuses.push(response.status);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const [headersMs, bodyMs, silentMs, keepAliveMs] = await Promise.all([headers.closed, body.closed, silent.closed, keepAlive.closed]);
    stop = true;
    await traffic;

    const within = (ms: number, limit: number) => (ms >= limit && ms <= limit + SLACK_MS ? 'in time' : `${ms} ms for a limit of ${limit} ms`);
    expect({
      headers: within(headersMs, LIMITS.headers_timeout),
      body: within(bodyMs, LIMITS.request_timeout),
      silent: within(silentMs, LIMITS.headers_timeout),
      keepAlive: within(keepAliveMs, LIMITS.keep_alive_timeout),
    }).toEqual({ headers: 'in time', body: 'in time', silent: 'in time', keepAlive: 'in time' });
    // The stalled requests were told why; the body never reached a handler.
    for (const client of [headers, body, silent]) expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(statuses.length).toBeGreaterThan(10);
    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  it('closes connections past max_connections at once and counts them; the open ones keep working', async () => {
    const { baseUrl, app } = service();
    const server = app.getHttpServer() as Server;
    const host = `Host: ${new URL(baseUrl).host}\r\n`;
    // Start from no open connection (fetch's kept-alive ones from the test before have been closed by now).
    await until(async () => (await openConnections(server)) === 0, 'no open connection');
    const dropped = () => app.get(MetricsRegistry).registry.getSingleMetric('http_connections_dropped_total')!.get().then((m) => m.values[0]?.value ?? 0);
    const droppedBefore = await dropped();

    const open = await Promise.all(Array.from({ length: LIMITS.max_connections }, () => rawClient(baseUrl)));
    for (const client of open) expect(await requestOn(client, `GET /health/live HTTP/1.1\r\n${host}\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    const refused = await rawClient(baseUrl, `GET /health/live HTTP/1.1\r\n${host}\r\n`);
    expect(await refused.closed).toBeLessThan(500);
    expect(refused.received()).toBe('');
    expect(await dropped()).toBe(droppedBefore + 1);
    // The connections that were open still serve requests…
    for (const client of open) expect(await requestOn(client, `GET /health/live HTTP/1.1\r\n${host}\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    // …and once one closes, a new connection is served again.
    open.pop()!.socket.destroy();
    await until(async () => (await openConnections(server)) < LIMITS.max_connections, 'a free slot');
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
    for (const client of open) client.socket.destroy();
  });
});
