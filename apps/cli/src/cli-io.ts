import { closeSync, openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import { read } from 'read';
import { CliError } from './cli.error.js';

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
  /**
   * Asks the person at the terminal for a secret, input hidden. Absent when there is no terminal (scripts,
   * CI, containers without `-t`): a command then needs the secret from a flag, a file or a variable.
   */
  promptSecret?: (prompt: string) => Promise<string>;
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
    ...(hasTerminal() ? { promptSecret: promptOnTerminal } : {}),
  };
}

/** Whether this process has a controlling terminal (stdin may still be a pipe: `echo value | cli crypto encrypt`). */
function hasTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

/**
 * A hidden prompt on the controlling terminal (not on stdin, which may carry the value to encrypt), with
 * npm's own `read` package: echo off, the line read, Ctrl-C cancels.
 */
async function promptOnTerminal(prompt: string): Promise<string> {
  const input = new ReadStream(openSync('/dev/tty', 'r'));
  const output = new WriteStream(openSync('/dev/tty', 'w'));
  try {
    const value = await read({ prompt, silent: true, replace: '', input, output, terminal: true });
    output.write('\n');
    return value;
  } catch (error) {
    throw new CliError((error as Error).message === 'canceled' ? 'cancelled at the prompt' : `cannot read from the terminal: ${(error as Error).message}`);
  } finally {
    input.destroy();
    output.destroy();
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return Buffer.concat(chunks);
}
