/**
 * Everything a command touches outside the process's own memory, as one object: `main.ts` passes the real
 * process streams, tests pass a fake and run commands in-process with captured output. Commands never
 * reach for `process.*` themselves.
 */
export interface CliIo {
  /** The whole of standard input, read once, when a command asks for it. */
  stdin: () => Promise<Buffer>;
  /** Results only: what a script pipes onwards. */
  stdout: (text: string) => void;
  /** Errors, warnings and hints for the person at the terminal. */
  stderr: (text: string) => void;
  /** The environment (the CLI reads `DEPLOYMENT_CONFIG` from it; the config lib reads `$env{…}` references). */
  env: NodeJS.ProcessEnv;
  /** Whether standard input is a terminal: then a command reading it says so, rather than seeming to hang. */
  isTTY: boolean;
  /** Relative paths in flags and in `DEPLOYMENT_CONFIG` resolve against this folder. */
  cwd: string;
  /** Standard error when it is a terminal: long commands draw a progress bar on it; otherwise they print plain lines. */
  progressStream?: NodeJS.WriteStream;
}

/** The real process's I/O, for `main.ts`. */
export function processIo(): CliIo {
  return {
    stdin: () => readStream(process.stdin),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: process.stdin.isTTY === true,
    cwd: process.cwd(),
    ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
  };
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return Buffer.concat(chunks);
}
