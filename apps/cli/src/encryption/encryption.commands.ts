import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { cliName } from '../cli-name.util.js';
import { integerParser } from '../cli-options.util.js';

/** `encryption status` and `encryption rollout` (the work is loaded lazily: it needs the service plumbing). */
export function registerEncryptionCommands(program: Command, io: CliIo): void {
  const encryption = program.command('encryption').description('the running services\' encryption settings, and changing them with no downtime');

  encryption
    .command('status')
    .description('every running service instance (over NATS): how it writes, any change in progress, values left to migrate')
    .option('--json', 'machine-readable output')
    .option('--timeout <ms>', 'how long to wait for answers', integerParser(100, 60_000, 'ms'), 2000)
    .addHelpText('after', `\nExample:\n  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} encryption status`)
    .action(async (flags: { json?: boolean; timeout: number }) => (await import('./encryption.actions.js')).encryptionStatus(io, flags));

  encryption
    .command('rollout')
    .description("apply deployment.toml's encryption settings to every running instance together (switch on/off, rotate a key, change transformation)")
    .option('--dry-run', 'check that every instance can apply the file, change nothing')
    .option('--timeout <ms>', 'how long to wait for each step', integerParser(100, 60_000, 'ms'), 5000)
    .option('--deployment <id>', "the deployment to roll out, when instances of several answer and the Key Manager's database cannot be read (see encryption status)")
    .addHelpText(
      'after',
      `
Edit deployment.toml on every node first (the same file everywhere; keep the old key as [[keystore.old]]
or [encryption] old_key). Each instance reloads the file, checks it can read both old and new, then all
switch writing together. Any refusal aborts the change on every instance. Afterwards run \`tokens migrate\`.
See docs/operations.md.

Example:
  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} encryption rollout --dry-run
  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} encryption rollout`,
    )
    .action(async (flags: { dryRun?: boolean; timeout: number; deployment?: string }) => (await import('./encryption.actions.js')).encryptionRollout(io, flags));
}
