import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { createPkcs12Keystore, inspectKeystore } from '@app/crypto';
import type { CliIo } from '../cli-io.js';
import { usageError } from '../cli.error.js';
import { integerParser, parseKeySize, parseKeystoreType } from '../cli-options.util.js';
import { formatEntry, formatKeystoreReport, toKeystoreReport } from './keystore-report.formatter.js';
import { alreadyExists, pathExists, writePrivateFile } from './private-file.writer.js';
import { addSecretOptions, readSecretOption, secretGiven, type SecretFlag } from '../secret-option.util.js';
import { cliName } from '../cli-name.util.js';

const KEYSTORE_PASSWORD: SecretFlag = { flag: 'password', label: 'keystore password' };

interface CreateOptions {
  out: string;
  alias: string;
  keySize: 2048 | 3072 | 4096;
  dname: string;
  validityDays: number;
  force?: boolean;
}

interface InspectOptions {
  keystore: string;
  type?: 'PKCS12' | 'JKS';
  json?: boolean;
}

/** `keystore create` and `keystore inspect`. */
export function registerKeystoreCommands(program: Command, io: CliIo): void {
  const keystore = program.command('keystore').description('create and inspect keystores (PKCS#12, JKS)');

  const create = keystore
    .command('create')
    .description('create a PKCS#12 keystore with a new RSA key pair and a self-signed certificate (mode 0600)')
    .requiredOption('--out <file>', 'keystore file to write; missing folders are created');
  addSecretOptions(create, KEYSTORE_PASSWORD, 'password', 'store and key password (PKCS#12 uses one password for both)')
    .requiredOption('--alias <alias>', 'alias of the key entry, e.g. wso2carbon')
    .addOption(new Option('--key-size <bits>', 'RSA key size: 2048, 3072 or 4096').argParser(parseKeySize).default(2048))
    .option('--dname <dname>', 'subject, most specific first, as keytool -dname', 'CN=localhost')
    .addOption(new Option('--validity-days <days>', 'days the certificate is valid').argParser(integerParser(1, 36500, 'days')).default(365))
    .option('--force', 'replace an existing file')
    .addHelpText(
      'after',
      `
Without --password, --password-file or --password-env, the password is asked for on the terminal (twice).

Examples:
  $ ${cliName(io)} keystore create --out deploy/keys/primary.p12 --password-env KEYSTORE_PASSWORD --alias wso2carbon
  $ ${cliName(io)} keystore create --out primary.p12 --password-file /run/secrets/keystore_password --alias wso2carbon \\
      --key-size 4096 --dname "CN=apim.example.com, O=Example, C=US" --validity-days 730 --force`,
    )
    .action(async (options: CreateOptions) => {
      if (options.alias.trim() === '') throw usageError('--alias must not be empty');
      const password = await newPassword(options, io);
      const file = resolve(io.cwd, options.out);
      // Checked before generating the key (seconds for 4096 bits); the exclusive write checks again.
      if (!options.force && (await pathExists(file))) throw alreadyExists(file);

      let bytes: Buffer;
      try {
        bytes = await createPkcs12Keystore({
          alias: options.alias,
          password,
          keySizeBits: options.keySize,
          dname: options.dname,
          validityDays: options.validityDays,
        });
      } catch (error) {
        // Every other option was checked above, so what the factory still rejects is the dname; its
        // message quotes the dname part, which is not secret.
        if (error instanceof TypeError || error instanceof RangeError) throw usageError(`invalid --dname: ${error.message}`);
        throw error;
      }
      await writePrivateFile(file, bytes, { replace: options.force === true });

      // Read back what was written: the summary shows the file as any reader will see it.
      const { type, entries } = await inspectKeystore(file, password, 'PKCS12');
      const report = toKeystoreReport(file, type, entries);
      io.stdout(`Created ${file} (${type}, mode 0600)\n`);
      for (const entry of report.entries) io.stdout(`${formatEntry(entry)}\n`);
    });

  const inspect = keystore
    .command('inspect')
    .description('list the entries of a keystore: alias, key, SHA-1 thumbprint (as WSO2 writes it), subject, validity')
    .requiredOption('--keystore <file>', 'PKCS#12 (.p12, .pfx) or JKS (.jks) file');
  addSecretOptions(inspect, KEYSTORE_PASSWORD, 'password', 'store password')
    .addOption(new Option('--type <type>', 'PKCS12 or JKS (default: read from the file content)').argParser(parseKeystoreType))
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Without --password, --password-file or --password-env, the password is asked for on the terminal.

Examples:
  $ ${cliName(io)} keystore inspect --keystore deploy/keys/primary.p12 --password-env KEYSTORE_PASSWORD
  $ ${cliName(io)} keystore inspect --keystore wso2carbon.jks --password-file wso2carbon.pass --type JKS --json | jq -r '.entries[0].thumbprint'`,
    )
    .action(async (options: InspectOptions) => {
      const file = resolve(io.cwd, options.keystore);
      const password = (await readSecretOption(options, KEYSTORE_PASSWORD, io, true))!;
      const { type, entries } = await inspectKeystore(file, password, options.type);
      const report = toKeystoreReport(file, type, entries);
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatKeystoreReport(report));
    });
}

/** The new keystore's password: from a flag, file or variable, or typed twice at the prompt (a typo would lock the key away). */
async function newPassword(options: object, io: CliIo): Promise<string> {
  if (secretGiven(options, KEYSTORE_PASSWORD) || !io.promptSecret) return (await readSecretOption(options, KEYSTORE_PASSWORD, io, true))!;
  const first = (await readSecretOption(options, KEYSTORE_PASSWORD, io, true))!;
  const again = await io.promptSecret('Again, to confirm:');
  if (again !== first) throw usageError('the two passwords typed differ; nothing was written');
  return first;
}
