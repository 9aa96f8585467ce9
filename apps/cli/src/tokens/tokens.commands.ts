import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { cliName } from '../cli-name.util.js';
import { integerParser } from '../cli-options.util.js';

const NEEDS_CONFIG = `
Reads the deployment.toml named by DEPLOYMENT_CONFIG — the same file the services use — for the database,
both services' schemas, the keys (primary, [[keystore.old]], [encryption] key/old_key) and the current
settings.`;

/** `tokens status`, `tokens migrate` and `tokens narrow-hash-indexes` (the work is loaded lazily: it needs the service plumbing). */
export function registerTokensCommands(program: Command, io: CliIo): void {
  const tokens = program.command('tokens').description('stored OAuth2 secrets: how they are stored, and migrating them to the current settings');

  tokens
    .command('status')
    .description('count, per service schema and table, the values stored in each way (plaintext, or transformation and key)')
    .option('--json', 'machine-readable output')
    .option('--check', 'exit 1 when some value is not under the current settings')
    .addHelpText('after', `${NEEDS_CONFIG}\n\nExample:\n  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} tokens status`)
    .action(async (flags: { json?: boolean; check?: boolean }) => (await import('./tokens.actions.js')).tokensStatus(io, flags));

  tokens
    .command('migrate')
    .description('rewrite every value not under the current settings into them (encrypt, decrypt, or re-encrypt), in both schemas')
    .option('--dry-run', 'read and check everything, write nothing')
    .option('--batch-size <rows>', 'rows per batch and transaction', integerParser(1, 10_000, 'rows'), 500)
    .option('--verify', 'read every rewritten value back and check it against its lookup hash')
    .option('--force', 'migrate even when running services write with other settings')
    .option('--threads <n>', `worker threads for RSA decryption and encryption (0: none, all on the main thread)`, integerParser(0, 1024, 'threads'), availableParallelism())
    .addHelpText(
      'after',
      `${NEEDS_CONFIG}
Safe while the services serve traffic: a value they change meanwhile is never overwritten. Resumable and
idempotent: stop it anywhere and run it again. Exit 1 when some value could not be read or verified.

Examples:
  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} tokens migrate --dry-run
  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} tokens migrate --verify`,
    )
    .action(async (flags: { dryRun?: boolean; batchSize: number; verify?: boolean; force?: boolean; threads: number }) => (await import('./tokens.actions.js')).tokensMigrate(io, flags));

  tokens
    .command('narrow-hash-indexes')
    .description("narrow the Key Manager's token hash indexes to the tokens without a selector (the step its migration leaves to you on a large table)")
    .addHelpText(
      'after',
      `
Reads the deployment.toml named by DEPLOYMENT_CONFIG for the Key Manager's database and schema.

Tokens with a selector are found by it; the unique indexes on oauth_tokens' access and refresh token hashes
then need to hold only the tokens without one (issued before selectors, or imported from WSO2). The Key
Manager's migration narrows them itself on a table of up to 100,000 rows; on a larger one it leaves them
whole and says so. Run this once every Key Manager runs a release with token selectors: Key Managers of
earlier releases look tokens up by hash alone, which only the whole indexes serve, so against the narrowed
ones they would scan the whole table for every look-up.

Builds the narrowed indexes CONCURRENTLY (writes go on meanwhile; on a large table it takes minutes), then
drops the whole ones. Idempotent: stop it anywhere and run it again; once done it says so and does nothing.

Example:
  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} tokens narrow-hash-indexes`,
    )
    .action(async () => (await import('./tokens.actions.js')).tokensNarrowHashIndexes(io));
}
