import { PassThrough } from 'node:stream';
import pino from 'pino';
import { terminalLogStream } from './terminal-log.stream.js';

function written(options: { isTTY: boolean; format?: string }): string {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = pino({ base: { service: 'key-manager', instance: 'key-manager-1a2b' } }, terminalLogStream({ ...options, destination: sink }));
  logger.warn({ component: 'nest', code: 'KEY_MANAGER_SLOW' }, 'the key manager answered late');
  return text;
}

describe('the terminal stream of npm start', () => {
  it('shows a warning as one readable line in a terminal', () => {
    const text = written({ isTTY: true });
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: key-manager: the key manager answered late \{"code":"KEY_MANAGER_SLOW"\}\n$/);
  });

  it('keeps the JSON lines when not a terminal, or when LOG_FORMAT=json asks', () => {
    for (const options of [{ isTTY: false }, { isTTY: true, format: 'json' }]) {
      const line = JSON.parse(written(options)) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 40, service: 'key-manager', msg: 'the key manager answered late', code: 'KEY_MANAGER_SLOW' });
    }
  });
});
