// NatsRpcTransport against a real nats-server of its own: replies, no responders, timeouts, a closed
// connection, a dropped one — and no use of the client's request(), which builds a RequestError with its
// stack on every request that succeeds.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { type NatsConnection } from '@nats-io/transport-node';
import { Socket } from 'node:net';
import { setImmediate as nextCheckPhase, setTimeout as sleep } from 'node:timers/promises';
import { startPrivateNats, type PrivateNats } from '../../../../test/support/private-nats.js';
import { connectNats, NatsRpcTransport } from './nats-connection.js';
import { RpcTransportError } from './rpc-transport.js';

jest.setTimeout(30_000);

let nats: PrivateNats;
let server: NatsConnection;
const connect = (name: string) => connectNats({ nats: { servers: [nats.url] } } as Parameters<typeof connectNats>[0], name);

beforeAll(async () => {
  nats = await startPrivateNats();
  server = await connect('responder');
  // Echoes the request, after `delay` ms when the body asks for one.
  server.subscribe('p.echo', {
    callback: (_err, msg) => {
      const body = msg.string();
      const delay = Number(/^delay:(\d+)/.exec(body)?.[1] ?? 0);
      setTimeout(() => msg.respond(`echo ${body}`), delay);
    },
  });
  server.subscribe('p.silent', { callback: () => undefined });
  await server.flush();
});

afterAll(async () => {
  await server?.close();
  await nats?.stop();
});

async function failure(promise: Promise<unknown>): Promise<RpcTransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcTransportError);
  return error as RpcTransportError;
}

it('answers each request with its own reply, through one inbox subscription and not the client request()', async () => {
  const nc = await connect('replies');
  try {
    const transport = new NatsRpcTransport(nc, 'p');
    const request = jest.spyOn(nc, 'request');
    const subscribe = jest.spyOn(nc, 'subscribe');
    // Out of order: the slow one is answered last, each gets its own reply.
    const replies = await Promise.all([transport.request('echo', 'delay:80 a', 2000), transport.request('echo', 'b', 2000), transport.request('echo', 'c', 2000)]);
    expect(replies).toEqual(['echo delay:80 a', 'echo b', 'echo c']);
    expect(await transport.request('echo', 'd', 2000)).toBe('echo d');
    // The client's request() rejects its settled promise with a new RequestError on every success.
    expect(request).not.toHaveBeenCalled();
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(subscribe.mock.calls[0]![0]).toMatch(/^_INBOX\.[A-Za-z0-9]+\.\*$/);
  } finally {
    await nc.close();
  }
});

it('sends the requests made in one turn of the event loop together, in one socket write', async () => {
  const nc = await connect('together');
  const write = jest.spyOn(Socket.prototype, 'write');
  try {
    const transport = new NatsRpcTransport(nc, 'p');
    expect(await transport.request('echo', 'warm', 2000)).toBe('echo warm'); // the inbox's subscription is sent
    const publish = jest.spyOn(nc, 'publish');
    write.mockClear();
    const replies = Promise.all(['a', 'b', 'c'].map((body) => transport.request('echo', body, 2000)));
    expect(publish).not.toHaveBeenCalled();
    // Published in this turn's check phase, written by the client at the microtask after it; nothing can
    // have been answered yet (the responder reads in a later turn).
    await nextCheckPhase();
    await Promise.resolve();
    expect(publish).toHaveBeenCalledTimes(3);
    expect(write).toHaveBeenCalledTimes(1);
    expect(await replies).toEqual(['echo a', 'echo b', 'echo c']);
  } finally {
    write.mockRestore();
    await nc.close();
  }
});

it('reports no responders at once, and a request nobody answers as a timeout', async () => {
  const nc = await connect('failures');
  try {
    const transport = new NatsRpcTransport(nc, 'p');
    const started = Date.now();
    const none = await failure(transport.request('nobody.here', 'x', 5000));
    expect(none).toMatchObject({ reason: 'no-responders', message: 'no responders for nobody.here' });
    expect(Date.now() - started).toBeLessThan(2000);

    const timedOut = await failure(transport.request('silent', 'x', 300));
    expect(timedOut).toMatchObject({ reason: 'timeout', message: 'no reply to silent within 300 ms' });
    // A reply that comes after the timeout is dropped; the transport still serves the next request.
    const late = await failure(transport.request('echo', 'delay:400 late', 150));
    expect(late.reason).toBe('timeout');
    await sleep(400);
    expect(await transport.request('echo', 'next', 2000)).toBe('echo next');
  } finally {
    await nc.close();
  }
});

it('fails requests on a closed connection, and those still waiting when it closes', async () => {
  const nc = await connect('closing');
  const transport = new NatsRpcTransport(nc, 'p');
  expect(await transport.request('echo', 'first', 2000)).toBe('echo first');
  const waiting = transport.request('silent', 'x', 5000);
  await nc.close();
  expect(await failure(waiting)).toMatchObject({ reason: 'failed', message: 'request silent failed: connection closed' });
  expect(await failure(transport.request('echo', 'after', 2000))).toMatchObject({ reason: 'closed' });
});

it('fails every request in flight at once with disconnected when the connection drops', async () => {
  const own = await startPrivateNats();
  const nc = await connectNats({ nats: { servers: [own.url] } } as Parameters<typeof connectNats>[0], 'dropping');
  let stopped = false;
  try {
    nc.subscribe('p.silent', { callback: () => undefined });
    const transport = new NatsRpcTransport(nc, 'p');
    const waiting = [transport.request('silent', '1', 20_000), transport.request('silent', '2', 20_000)].map(failure);
    await nc.flush();
    const started = Date.now();
    await own.stop();
    stopped = true;
    for (const error of await Promise.all(waiting)) expect(error.reason).toBe('disconnected');
    expect(Date.now() - started).toBeLessThan(10_000);
  } finally {
    if (!stopped) await own.stop();
    await nc.close();
  }
});
