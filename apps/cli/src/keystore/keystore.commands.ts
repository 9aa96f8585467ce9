import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { createPkcs12Keystore, inspectKeystore } from '@app/crypto';
import type { CliIo } from '../cli-io.js';
import { usageError } from '../cli.error.js';
import { integerParser, parseKeySize, parseKeystoreType } from '../cli-options.util.js';
import { formatEntry, formatKeystoreReport, toKeystoreReport } from './keystore-report.formatter.js';
import { alreadyExists, pathExists, writePrivateFile } from './private-file.writer.js';

interface CreateOptions {
  out: string;
  password: string;
  alias: string;
  keySize: 2048 | 3072 | 4096;
  dname: string;
  validityDays: number;
  force?: boolean;
}

interface InspectOptions {
  keystore: string;
  password: string;
  type?: 'PKCS12' | 'JKS';
  json?: boolean;
}

/** `keystore create` and `keystore inspect`. */
export function registerKeystoreCommands(program: Command, io: CliIo): void {
  const keystore = program.command('keystore').description('create and inspect keystores (PKCS#12, JKS)');

  keystore
    .command('create')
    .description('create a PKCS#12 keystore with a new RSA key pair and a self-signed certificate (mode 0600)')
    .requiredOption('--out <file>', 'keystore file to write; missing folders are created')
    .requiredOption('--password <password>', 'store and key password (PKCS#12 uses one password for both)')
    .requiredOption('--alias <alias>', 'alias of the key entry, e.g. wso2carbon')
    .addOption(new Option('--key-size <bits>', 'RSA key size: 2048, 3072 or 4096').argParser(parseKeySize).default(2048))
    .option('--dname <dname>', 'subject, most specific first, as keytool -dname', 'CN=localhost')
    .addOption(new Option('--validity-days <days>', 'days the certificate is valid').argParser(integerParser(1, 36500, 'days')).default(365))
    .option('--force', 'replace an existing file')
    .addHelpText(
      'after',
      `
Examples:
  $ cli keystore create --out deploy/keys/primary.p12 --password "$KEYSTORE_PASSWORD" --alias wso2carbon
  $ cli keystore create --out primary.p12 --password "$KEYSTORE_PASSWORD" --alias wso2carbon \\
      --key-size 4096 --dname "CN=apim.example.com, O=Example, C=US" --validity-days 730 --force`,
    )
    .action(async (options: CreateOptions) => {
      if (options.password === '') throw usageError('--password must not be empty');
      if (options.alias.trim() === '') throw usageError('--alias must not be empty');
      const file = resolve(io.cwd, options.out);
      // Checked before generating the key (seconds for 4096 bits); the exclusive write checks again.
      if (!options.force && (await pathExists(file))) throw alreadyExists(file);

      let bytes: Buffer;
      try {
        bytes = await createPkcs12Keystore({
          alias: options.alias,
          password: options.password,
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
      const { type, entries } = await inspectKeystore(file, options.password, 'PKCS12');
      const report = toKeystoreReport(file, type, entries);
      io.stdout(`Created ${file} (${type}, mode 0600)\n`);
      for (const entry of report.entries) io.stdout(`${formatEntry(entry)}\n`);
    });

  keystore
    .command('inspect')
    .description('list the entries of a keystore: alias, key, SHA-1 thumbprint (as WSO2 writes it), subject, validity')
    .requiredOption('--keystore <file>', 'PKCS#12 (.p12, .pfx) or JKS (.jks) file')
    .requiredOption('--password <password>', 'store password')
    .addOption(new Option('--type <type>', 'PKCS12 or JKS (default: read from the file content)').argParser(parseKeystoreType))
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      `
Examples:
  $ cli keystore inspect --keystore deploy/keys/primary.p12 --password "$KEYSTORE_PASSWORD"
  $ cli keystore inspect --keystore wso2carbon.jks --password "$KEYSTORE_PASSWORD" --type JKS --json | jq -r '.entries[0].thumbprint'`,
    )
    .action(async (options: InspectOptions) => {
      const file = resolve(io.cwd, options.keystore);
      const { type, entries } = await inspectKeystore(file, options.password, options.type);
      const report = toKeystoreReport(file, type, entries);
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatKeystoreReport(report));
    });
}
