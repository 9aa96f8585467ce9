import { Writable } from 'node:stream';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { ProcessIdentity } from '../runtime/runtime.module.js';
import { loggableMessage, serializeError } from './error-serializer.js';
import { createRootLogger } from './logger.factory.js';

const SECRET = 'plain-secret-4d1f';

/** What node-postgres throws for `INSERT … VALUES ($1)` when the value is refused: the message quotes it. */
function pgError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, 100, 'error');
  Object.assign(error, { code, severity: 'ERROR', detail: `Key (secret)=(${SECRET}) already exists.`, where: `SQL function with ${SECRET}`, internalQuery: 'SELECT 1' });
  return error;
}

function queryFailed(code: string, message: string): QueryFailedError {
  return new QueryFailedError('INSERT INTO oauth_clients (client_secret) VALUES ($1)', [SECRET], pgError(code, message));
}

describe('serializeError', () => {
  it('keeps class, SQLSTATE, message and stack frames of a failed statement, and drops its query, parameters and driver error', () => {
    const logged = serializeError(queryFailed('23505', 'duplicate key value violates unique constraint "oauth_clients_pkey"'));
    expect(logged).toEqual({
      type: 'QueryFailedError',
      code: '23505',
      message: 'duplicate key value violates unique constraint "oauth_clients_pkey"',
      stack: expect.stringMatching(/^\s+at /),
    });
    expect(JSON.stringify(logged)).not.toContain(SECRET);
  });

  it('blanks the values a data exception quotes (class 22), from TypeORM or straight from node-postgres', () => {
    for (const error of [queryFailed('22P02', `invalid input syntax for type uuid: "${SECRET}"`), pgError('22P02', `invalid input value for enum kind: '${SECRET}'`)]) {
      const logged = serializeError(error);
      expect(logged.code).toBe('22P02');
      expect(JSON.stringify(logged)).not.toContain(SECRET);
      expect(logged.message).toMatch(/\[value\]/);
    }
  });

  it('never repeats the message through the stack, even a message of several lines', () => {
    const error = queryFailed('22021', `invalid byte sequence "${SECRET}"\nsecond line "${SECRET}"`);
    expect(JSON.stringify(serializeError(error))).not.toContain(SECRET);
  });

  it('follows causes and aggregated errors with the same rules, to a bounded depth', () => {
    const wrapped = new Error('could not store the client', { cause: queryFailed('22001', `value too long: "${SECRET}"`) });
    const logged = serializeError(new AggregateError([wrapped, 'a string'], 'both failed'));
    expect(logged).toMatchObject({ type: 'AggregateError', errors: [{ type: 'Error', cause: { type: 'QueryFailedError', code: '22001' } }, { type: 'string' }] });
    expect(JSON.stringify(logged)).not.toContain(SECRET);
    let deep: unknown = new Error('bottom');
    for (let i = 0; i < 10; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(JSON.stringify(serializeError(deep)).match(/"type"/g)).toHaveLength(4);
  });

  it('gives a thrown non-error its type and code only', () => {
    expect(serializeError(SECRET)).toEqual({ type: 'string' });
    expect(serializeError({ code: 'E_X', message: SECRET })).toEqual({ type: 'object', code: 'E_X' });
    expect(loggableMessage(SECRET)).toBe('string');
  });

  it('is the root logger’s `err` serializer, so children (Fastify’s, Nest’s) inherit it', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const logger = createRootLogger({ log: { level: 'info' } } as never, new ProcessIdentity('key-manager'), destination);
    logger.child({ component: 'http' }).child({ reqId: 'r' }).error({ err: queryFailed('22P02', `invalid input syntax for type integer: "${SECRET}"`) }, 'unhandled error');
    logger.error(queryFailed('22P02', `bad "${SECRET}"`), 'as the first argument');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(JSON.parse(line)).toMatchObject({ err: { type: 'QueryFailedError', code: '22P02' } });
    }
  });
});
