import type { DestinationStream } from 'pino';
import pretty from 'pino-pretty';

/**
 * Where `npm start` shows the services' warnings and errors: one readable line each when the terminal is a
 * TTY (`[12:00:01] WARN: key-manager: …`, the line's other fields after it), the JSON lines themselves when
 * it is not (a pipe, a file, CI) or when `LOG_FORMAT=json` asks for them. pino-pretty does the formatting: it
 * is pino's own, and knows its fields and levels.
 */
export function terminalLogStream(options: { isTTY: boolean; format?: string; destination?: NodeJS.WritableStream } = { isTTY: Boolean(process.stderr.isTTY), format: process.env['LOG_FORMAT'] }): DestinationStream {
  const destination = options.destination ?? process.stderr;
  if (!options.isTTY || options.format === 'json') return destination as DestinationStream;
  return pretty({
    destination,
    sync: true,
    colorize: options.isTTY && !options.destination,
    singleLine: true,
    translateTime: 'HH:MM:ss',
    messageFormat: '{service}: {msg}',
    ignore: 'pid,hostname,service,instance,component,context',
  });
}
