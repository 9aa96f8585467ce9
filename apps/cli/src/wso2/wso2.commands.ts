import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { cliName } from '../cli-name.util.js';
import { integerParser } from '../cli-options.util.js';
import { usageError } from '../cli.error.js';
import { addSecretOptions, readSecretOption, type SecretFlag } from '../secret-option.util.js';

/** The source database's URL may hold its password: like every secret flag it also comes from a file or a variable. */
const SOURCE_URL: SecretFlag = { flag: 'source-url', label: 'WSO2 database URL' };

/** `--source-encrypted`: WSO2's `enable_token_encryption`, said out loud (there is nothing to guess it from reliably). */
function parseBoolean(value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  throw new InvalidArgumentError('expected true or false.');
}

function parseTokenType(value: string): 'JWT' | 'Default' {
  const lower = value.trim().toLowerCase();
  if (lower === 'jwt') return 'JWT';
  if (lower === 'default') return 'Default';
  throw new InvalidArgumentError('expected JWT or Default.');
}

/** `wso2 import` (the work is loaded lazily: it needs the service plumbing). */
export function registerWso2Commands(program: Command, io: CliIo): void {
  const wso2 = program.command('wso2').description('moving from WSO2 API Manager / Identity Server');

  const command = wso2
    .command('import')
    .description("copy WSO2's OAuth clients and tokens into the Key Manager, so that every client secret and token keeps working");
  addSecretOptions(command, SOURCE_URL, 'url', 'required (or its -file / -env form). The WSO2 database holding the IDN_OAUTH* tables: postgres://user:password@host:5432/db')
    .option('--source-schema <schema>', 'the schema of those tables in that database', 'public')
    .requiredOption('--source-encrypted <true|false>', "whether WSO2 encrypted its tokens ([apim.oauth_config] enable_token_encryption)", parseBoolean)
    .option(
      '--source-hashed <true|false>',
      'whether WSO2 hashed its secrets before identity-inbound-auth-oauth 6.0.33, as bare hex ([apim.oauth_config] enable_token_hashing); newer hashes are recognised anyway',
      parseBoolean,
      false,
    )
    .option('--include-inactive', 'also import tokens no one can use any more (expired, revoked, rotated)')
    .option('--default-token-type <JWT|Default>', 'token type of clients for which WSO2 recorded none', parseTokenType, 'JWT')
    .option('--dry-run', 'read, decrypt and check everything, write nothing')
    .option('--batch-size <rows>', 'rows per batch and transaction', integerParser(1, 10_000, 'rows'), 500)
    .option('--threads <n>', 'worker threads for RSA decryption (0: none, all on the main thread)', integerParser(0, 1024, 'threads'), availableParallelism())
    .addHelpText(
      'after',
      `
Reads the deployment.toml named by DEPLOYMENT_CONFIG for the Key Manager's database and schema and for the
keys: configure the keystore (and symmetric key) WSO2 encrypted with, as the primary or as [[keystore.old]] /
[encryption] old_key. Values are stored as WSO2 wrote them, with the scheme and lookup hash the Key Manager
records; run \`tokens migrate\` afterwards to rewrite them under the current settings. Secrets WSO2 kept as
hashes only (enable_token_hashing) stay hashes: they keep working, and never become credentials themselves.
Idempotent: rows already imported are left alone, so run it again at cut-over to pick up what WSO2 issued
meanwhile.
Exit 1 when some value could not be imported. See docs/wso2-migration.md.

Examples:
  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} wso2 import \\
      --source-url-env WSO2_DB_URL --source-encrypted true --dry-run
  $ DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} wso2 import \\
      --source-url-env WSO2_DB_URL --source-schema wso2am --source-encrypted true`,
    )
    .action(async (flags: Omit<Wso2ImportCommandFlags, 'sourceUrl'>) => {
      const sourceUrl = await readSecretOption(flags, SOURCE_URL, io, false);
      if (sourceUrl === undefined) throw usageError('the WSO2 database is missing: give --source-url-env NAME, --source-url-file FILE or --source-url URL');
      await (await import('./wso2-import.actions.js')).wso2Import(io, { ...flags, sourceUrl });
    });
}

export interface Wso2ImportCommandFlags {
  sourceUrl: string;
  sourceSchema: string;
  sourceEncrypted: boolean;
  sourceHashed: boolean;
  includeInactive?: boolean;
  defaultTokenType: 'JWT' | 'Default';
  dryRun?: boolean;
  batchSize: number;
  threads: number;
}
