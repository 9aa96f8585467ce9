import { Writable } from 'node:stream';

/** A pino destination that keeps every line, for assertions on what a service logged. */
export interface LogCapture {
  stream: Writable;
  /** Everything logged so far, as one string. */
  text(): string;
  /** Parsed lines. */
  entries(): Array<Record<string, unknown>>;
}

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    entries: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
