import { afterEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DRAIN_IDLE_MS, HttpDrain } from './http-drain.js';

/** A plain Node HTTP server whose handler answers after `?wait=<ms>`, with `Connection: close` while draining (as the services' onSend hook does). */
async function serve(): Promise<{ server: Server; drain: HttpDrain; port: number }> {
  const draining = { now: () => false };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const wait = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('wait') ?? 0);
    setTimeout(() => {
      if (draining.now()) res.setHeader('connection', 'close');
      res.end('ok');
    }, wait);
  });
  const drain = new HttpDrain(server);
  draining.now = () => drain.isDraining;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, drain, port: (server.address() as AddressInfo).port };
}

function get(port: number, path: string, agent: Agent): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HttpDrain', () => {
  const servers: Server[] = [];
  const agents: Agent[] = [];
  const agent = () => {
    const a = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(a);
    return a;
  };
  afterEach(() => {
    agents.splice(0).forEach((a) => a.destroy());
    servers.splice(0).forEach((s) => s.closeAllConnections());
  });

  it('refuses new connections at once, lets a request under way finish with Connection: close, and ends when the connections are gone', async () => {
    const { server, drain, port } = await serve();
    servers.push(server);
    const underWay = get(port, '/?wait=400', agent());
    await sleep(100);
    const drained = drain.drain(10_000);
    await sleep(50);
    await expect(get(port, '/', agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(underWay).resolves.toEqual({ status: 200, connection: 'close' });
    const result = await drained;
    expect(result.cutAtDeadline).toBe(0);
    expect(result.ms).toBeLessThan(5000);
  });

  it('keeps an idle kept-alive connection open for a while (a client may be sending on it), serves what comes on it, then closes it', async () => {
    const { server, drain, port } = await serve();
    servers.push(server);
    const keepAlive = agent();
    await get(port, '/', keepAlive);
    const started = Date.now();
    const drained = drain.drain(10_000);
    // A request on the kept-alive connection just after the stop began: served, and told to close.
    await expect(get(port, '/', keepAlive)).resolves.toEqual({ status: 200, connection: 'close' });
    const result = await drained;
    expect(result.cutAtDeadline).toBe(0);
    expect(Date.now() - started).toBeLessThan(DRAIN_IDLE_MS + 3000);
  });

  it('an idle connection nobody uses is closed once idle for DRAIN_IDLE_MS, not at once', async () => {
    const { server, drain, port } = await serve();
    servers.push(server);
    await get(port, '/', agent());
    const started = Date.now();
    const result = await drain.drain(10_000);
    expect(result.cutAtDeadline).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DRAIN_IDLE_MS - 100);
  });

  it('cuts what is still under way at the deadline', async () => {
    const { server, drain, port } = await serve();
    servers.push(server);
    const slow = get(port, '/?wait=2000', agent());
    await sleep(100);
    const result = await drain.drain(300);
    expect(result.cutAtDeadline).toBe(1);
    await expect(slow).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
