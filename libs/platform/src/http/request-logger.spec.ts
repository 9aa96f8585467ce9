// Fastify's per-request logger is made only when Fastify logs with it, and then logs what the pino child it
// replaces would have: the request id included. Real Fastify over real HTTP, real pino.
import { afterEach, expect, it, jest } from '@jest/globals';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { lazyRequestLogger } from './request-logger.js';

let close: (() => Promise<unknown>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

function capturedLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'trace', redact: ['req.headers.authorization'] }, stream);
  return { logger, lines: () => text.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

it('makes no child logger for a request that logs nothing, and one with the request id for one that does', async () => {
  const { logger, lines } = capturedLogger();
  const http = logger.child({ component: 'http' });
  const app = Fastify({ loggerInstance: http as FastifyBaseLogger, disableRequestLogging: true, childLoggerFactory: lazyRequestLogger, genReqId: () => 'req-42' });
  close = () => app.close();
  app.get('/ok', async () => ({ ok: true }));
  // Fastify warns, with the request's logger, of an answer sent twice.
  app.get('/twice', (_request, reply) => {
    void reply.send({ first: true });
    void reply.send({ second: true });
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  // Fastify wraps the instance it is given; count the children made from what it wraps, per request.
  let owner: object = http;
  while (!Object.prototype.hasOwnProperty.call(owner, 'child')) owner = Object.getPrototypeOf(owner) as object;
  const child = jest.spyOn(owner as pino.Logger, 'child');
  const startLines = lines().length; // "Server listening at …"
  const requestLines = () => lines().slice(startLines);

  expect((await fetch(`${base}/ok`)).status).toBe(200);
  expect(child).not.toHaveBeenCalled();
  expect(requestLines()).toEqual([]);

  expect(await (await fetch(`${base}/twice`)).json()).toEqual({ first: true });
  expect(child).toHaveBeenCalledTimes(1);
  const [line] = requestLines();
  expect(line).toMatchObject({ component: 'http', reqId: 'req-42', level: 40, err: { code: 'FST_ERR_REP_ALREADY_SENT' } });
  child.mockRestore();
});

it('passes a level and a further child on to the pino child', () => {
  const { logger, lines } = capturedLogger();
  const log = lazyRequestLogger(logger, { reqId: 'r1' }, {});
  expect(log.level).toBe('trace');
  log.child({ part: 'x' }).info({ n: 1 }, 'hello');
  log.warn('careful');
  expect(lines()).toMatchObject([
    { reqId: 'r1', part: 'x', n: 1, msg: 'hello' },
    { reqId: 'r1', msg: 'careful', level: 40 },
  ]);
});
