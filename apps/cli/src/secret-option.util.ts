import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { CliError, usageError } from './cli.error.js';

/**
 * A secret flag (`--password`, `--store-password`, `--symmetric-key`…) and its two safer companions:
 * `--<flag>-file FILE` and `--<flag>-env NAME`. A value given on the command line itself shows in the process
 * list and lands in shell history; a file or an environment variable does not. With none of the three, a
 * command that needs the secret asks for it on the terminal (input hidden), or stops with a usage error when
 * there is no terminal.
 */
export interface SecretFlag {
  /** The flag without dashes, e.g. `store-password`. */
  flag: string;
  /** What the secret is, for prompts and messages: `keystore password`. */
  label: string;
}

/** Commander's property names for `--<flag>`, `--<flag>-file` and `--<flag>-env`. */
function keysOf(flag: string): { value: string; file: string; env: string } {
  const camel = flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  return { value: camel, file: `${camel}File`, env: `${camel}Env` };
}

/** Adds `--<flag> <placeholder>`, `--<flag>-file <file>` and `--<flag>-env <name>` to a command. */
export function addSecretOptions(command: Command, secret: SecretFlag, placeholder: string, description: string): Command {
  return command
    .option(`--${secret.flag} <${placeholder}>`, `${description} (visible in the process list: prefer the two below)`)
    .option(`--${secret.flag}-file <file>`, `read the ${secret.label} from this file (one trailing newline is removed)`)
    .option(`--${secret.flag}-env <name>`, `read the ${secret.label} from this environment variable`);
}

/** Whether any of the three forms of a secret flag was given. */
export function secretGiven(options: object, secret: SecretFlag): boolean {
  const keys = keysOf(secret.flag);
  const o = options as Record<string, unknown>;
  return [keys.value, keys.file, keys.env].some((k) => o[k] !== undefined);
}

/**
 * The value of a secret flag from whichever form was given; more than one form is a usage error. With none:
 * `undefined` when `ask` is false, otherwise a hidden prompt on the terminal (a usage error naming the three
 * forms when there is no terminal). Messages name the flag, file or variable, never the value.
 */
export async function readSecretOption(options: object, secret: SecretFlag, io: CliIo, ask: boolean): Promise<string | undefined> {
  const keys = keysOf(secret.flag);
  const o = options as Record<string, string | undefined>;
  const given = [
    o[keys.value] !== undefined && `--${secret.flag}`,
    o[keys.file] !== undefined && `--${secret.flag}-file`,
    o[keys.env] !== undefined && `--${secret.flag}-env`,
  ].filter((f): f is string => typeof f === 'string');
  if (given.length > 1) throw usageError(`give the ${secret.label} once: ${given.join(' and ')} were both given`);

  let value: string | undefined;
  if (o[keys.value] !== undefined) {
    value = o[keys.value];
  } else if (o[keys.file] !== undefined) {
    value = await readSecretFile(resolve(io.cwd, o[keys.file]!), `--${secret.flag}-file`);
  } else if (o[keys.env] !== undefined) {
    const name = o[keys.env]!;
    value = io.env[name];
    if (value === undefined) throw usageError(`--${secret.flag}-env names the environment variable ${name}, which is not set`);
  } else if (ask) {
    if (!io.promptSecret) {
      throw usageError(`the ${secret.label} is missing: give --${secret.flag}-file FILE, --${secret.flag}-env NAME or --${secret.flag} (there is no terminal to ask on)`);
    }
    value = await io.promptSecret(`${secret.label[0]!.toUpperCase()}${secret.label.slice(1)}:`);
  }
  if (value === '') throw usageError(`the ${secret.label} (${given[0] ?? 'typed at the prompt'}) is empty`);
  return value;
}

async function readSecretFile(file: string, flag: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new CliError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
