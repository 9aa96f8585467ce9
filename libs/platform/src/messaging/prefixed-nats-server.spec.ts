// PrefixedNatsServer's publisher: replies made ready in one turn of the event loop are sent together in its
// check phase, in order; one that cannot be sent is logged and does not stop the others. (Nest's NATS
// server against a stand-in message: the wire is covered by the Key Manager's bus specs.)
import { describe, expect, it, jest } from '@jest/globals';
import type { NatsContext } from '@nestjs/microservices';
import { setImmediate as nextCheckPhase } from 'node:timers/promises';
import { PrefixedNatsServer } from './messaging.module.js';

type Msg = Parameters<PrefixedNatsServer['getPublisher']>[0];

function message(respond: (data: Uint8Array) => boolean): Msg {
  return { reply: '_INBOX.x.1', respond } as unknown as Msg;
}

describe('PrefixedNatsServer replies', () => {
  it('sends the replies of one turn together, in order, after the turn', async () => {
    const server = new PrefixedNatsServer({ servers: ['nats://127.0.0.1:1'] }, 'p');
    const sent: string[] = [];
    const publishers = ['a', 'b', 'c'].map((id) => server.getPublisher(message((data) => sent.push(`${id}:${Buffer.from(data).toString()}`) > 0), id, {} as NatsContext));
    publishers.forEach((publish, i) => publish({ response: i, isDisposed: true }));
    expect(sent).toEqual([]);
    await nextCheckPhase();
    expect(sent).toEqual([
      'a:{"response":0,"isDisposed":true,"id":"a"}',
      'b:{"response":1,"isDisposed":true,"id":"b"}',
      'c:{"response":2,"isDisposed":true,"id":"c"}',
    ]);
  });

  it('logs a reply that cannot be sent, with the error only, and sends the others', async () => {
    const server = new PrefixedNatsServer({ servers: ['nats://127.0.0.1:1'] }, 'p');
    const logged = jest.spyOn((server as unknown as { logger: { error(m: string): void } }).logger, 'error').mockImplementation(() => undefined);
    const sent: string[] = [];
    server.getPublisher(message(() => { throw new Error('connection closed'); }), 'x', {} as NatsContext)({ response: 'secret-value', isDisposed: true });
    server.getPublisher(message(() => sent.push('y') > 0), 'y', {} as NatsContext)({ response: 1, isDisposed: true });
    await nextCheckPhase();
    expect(sent).toEqual(['y']);
    expect(logged).toHaveBeenCalledWith('a reply could not be sent: connection closed');
    expect(JSON.stringify(logged.mock.calls)).not.toContain('secret-value');
  });
});
