import { Command, CommanderError } from 'commander';
import type { CliIo } from './cli-io.js';
import { cliName } from './cli-name.util.js';
import { ExitCode, toCliError } from './cli.error.js';
import { registerCryptoCommands } from './crypto/crypto.commands.js';
import { registerEncryptionCommands } from './encryption/encryption.commands.js';
import { registerKeystoreCommands } from './keystore/keystore.commands.js';
import { registerTlsCommands } from './tls/tls.commands.js';
import { registerTokensCommands } from './tokens/tokens.commands.js';
import { registerWso2Commands } from './wso2/wso2.commands.js';

/**
 * The command tree. Each group registers itself from its own folder; groups are created with
 * `program.command()` so they inherit the settings below (no process.exit, output through `io`).
 */
export function buildProgram(io: CliIo): Command {
  const name = cliName(io);
  const program = new Command(name)
    .description('Operator tools for WSO2-compatible token encryption: keystores, stored secrets, and encryption changes.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText(
      'after',
      `
Examples:
  $ ${name} keystore create --out deploy/keys/primary.p12 --password-env KEYSTORE_PASSWORD --alias wso2carbon
  $ ${name} keystore inspect --keystore deploy/keys/primary.p12 --password-file keystore.pass
  $ echo 'my-secret' | DEPLOYMENT_CONFIG=deployment.toml ${name} crypto encrypt
  $ echo "$STORED" | DEPLOYMENT_CONFIG=deployment.toml ${name} crypto decrypt
  $ export DEPLOYMENT_CONFIG=deployment.toml
  $ ${name} tokens status
  $ ${name} encryption rollout && ${name} tokens migrate --verify

Passwords and keys: give --password-file FILE or --password-env NAME (likewise for every secret flag);
a value written on the command line shows in the process list. Without any, a terminal prompt asks.
Relative paths are resolved against the current folder.
Exit status: 0 success, 1 operation failed, 2 usage error, 78 invalid configuration.
See docs/cli.md.`,
    );
  registerKeystoreCommands(program, io);
  registerCryptoCommands(program, io);
  registerTokensCommands(program, io);
  registerEncryptionCommands(program, io);
  registerWso2Commands(program, io);
  registerTlsCommands(program, io);
  return program;
}

/**
 * Runs one command line (without the node and script arguments) and returns the exit status. Expected
 * failures print one `error: …` line (a configuration error lists each problem) on stderr, never a stack.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message or the help already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? ExitCode.Ok : ExitCode.Usage;
    }
    const failure = toCliError(error);
    io.stderr(`error: ${failure.message}\n`);
    return failure.exitCode;
  }
}
