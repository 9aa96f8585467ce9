import { isUtf8 } from 'node:buffer';
import { CliError } from '../cli.error.js';

/**
 * The value given on standard input: UTF-8 text without its one trailing line ending, so that
 * `echo value | cli crypto …` passes exactly `value`. Only one `\n` or `\r\n` is removed: a value that
 * itself ends in a line break survives `printf 'value\n\n'`.
 *
 * @throws {@link CliError} (exit 1) when the bytes are not UTF-8 text; the message never quotes them.
 */
export function valueFromStdin(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new CliError('standard input is not valid UTF-8 text');
  const text = bytes.toString('utf8');
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}
