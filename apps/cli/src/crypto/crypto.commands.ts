import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig, type DeploymentConfig } from '@app/config';
import { CryptoError, Transformations } from '@app/crypto';
import type { CliIo } from '../cli-io.js';
import { CliError, describeCryptoError } from '../cli.error.js';
import { cliName } from '../cli-name.util.js';
import { parseKeystoreType } from '../cli-options.util.js';
import { addSecretOptions, readSecretOption, type SecretFlag } from '../secret-option.util.js';
import { resolveCipherSettings, type CipherFlags } from './cipher-settings.resolver.js';
import { openSecretCipher } from './secret-cipher.factory.js';
import { valueFromStdin } from './stdin-value.util.js';

const KEY_FLAGS_HELP = `
Keys and settings come from the deployment.toml named by DEPLOYMENT_CONFIG ([keystore.primary],
[[keystore.old]], [encryption] key and old_key, [system.parameter] "org.wso2.CipherTransformation"),
or from the flags; flags win. The value is read from standard input; one trailing newline is removed. Each secret flag also has a
-file and an -env form (--store-password-file FILE, --store-password-env NAME); without any, --keystore's
store password is asked for on the terminal.
The result is printed on standard output followed by one newline, and nothing else is.`;

/** `crypto encrypt` and `crypto decrypt`. */
export function registerCryptoCommands(program: Command, io: CliIo): void {
  const crypto = program.command('crypto').description('encrypt and decrypt stored secrets in WSO2 formats (value on stdin)');

  withKeyFlags(crypto.command('encrypt'))
    .description("encrypt a value into WSO2's self-contained format, even when enable_token_encryption is false")
    .option('--transformation <name>', 'RSA/ECB/OAEPwithSHA1andMGF1Padding (default), RSA/ECB/OAEPWithSHA-256AndMGF1Padding or AES/GCM/NoPadding')
    .addHelpText(
      'after',
      `${KEY_FLAGS_HELP}

Examples:
  $ printf '%s' "$CONSUMER_SECRET" | DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} crypto encrypt
  $ echo 'my-secret' | ${cliName(io)} crypto encrypt --keystore primary.p12 --store-password-env KEYSTORE_PASSWORD --alias wso2carbon
  $ echo 'my-secret' | ${cliName(io)} crypto encrypt --keystore primary.p12 --store-password-env KEYSTORE_PASSWORD --alias wso2carbon \\
      --transformation AES/GCM/NoPadding --symmetric-key-file symmetric.key`,
    )
    .action(async (flags: CipherFlagOptions) => {
      const settings = resolveCipherSettings(await readCipherSecrets(flags, io), loadCliConfig(io), io.cwd, 'encrypt');
      const cipher = await openSecretCipher(settings, 'encrypt', (m) => io.stderr(`warning: ${m}\n`));
      const plaintext = await readStdinValue(io, 'encrypt');
      if (plaintext === '') io.stderr('warning: encrypting an empty value\n');
      io.stdout(`${cipher.seal(plaintext).stored}\n`);
    });

  withKeyFlags(crypto.command('decrypt'))
    .description('decrypt a stored value in any WSO2 format (RSA self-contained, legacy raw RSA, AES-GCM) with whichever configured key fits')
    .addHelpText(
      'after',
      `${KEY_FLAGS_HELP}
decrypt has no --transformation: every stored value says how it was encrypted.

Examples:
  $ echo "$STORED" | DEPLOYMENT_CONFIG=/etc/apim/deployment.toml ${cliName(io)} crypto decrypt
  $ echo "$STORED" | ${cliName(io)} crypto decrypt --keystore wso2carbon.jks --store-password-env KEYSTORE_PASSWORD --alias wso2carbon
  $ echo "$STORED" | ${cliName(io)} crypto decrypt --keystore primary.p12 --store-password-file primary.pass --alias wso2carbon \\
      --symmetric-key-env SYMMETRIC_KEY`,
    )
    .action(async (flags: CipherFlagOptions) => {
      const settings = resolveCipherSettings(await readCipherSecrets(flags, io), loadCliConfig(io), io.cwd, 'decrypt');
      const cipher = await openSecretCipher(settings, 'decrypt', (m) => io.stderr(`warning: ${m}\n`));
      const stored = await readStdinValue(io, 'decrypt');
      if (stored === '') throw new CliError('nothing to decrypt: standard input is empty');
      let plaintext: string;
      try {
        plaintext = cipher.openAny(stored).plaintext;
      } catch (error) {
        throw error instanceof CryptoError ? decryptFailure(error, stored, settings.symmetricKeys.length > 0) : error;
      }
      io.stdout(`${plaintext}\n`);
    });
}

/** What went wrong with a value that does not decrypt, in the operator's terms; never quotes the value. */
function decryptFailure(error: CryptoError, stored: string, hasSymmetricKey: boolean): CliError {
  if (error.code === 'CIPHER_KEY_UNAVAILABLE' && error.details?.['transformation'] === Transformations.AesGcm && !hasSymmetricKey) {
    return new CliError('cannot decrypt the value: it is AES-GCM encrypted and no symmetric key is configured: pass --symmetric-key, or set [encryption] key or old_key');
  }
  // A stored value is one Base64 line; whitespace inside means a wrapped or multi-value paste.
  const hint = /\s/.test(stored) ? ' (the value holds spaces or line breaks: give one stored value, exactly as stored)' : '';
  return new CliError(`cannot decrypt the value: ${describeCryptoError(error)}${hint}`);
}

const STORE_PASSWORD: SecretFlag = { flag: 'store-password', label: 'keystore password' };
const KEY_PASSWORD: SecretFlag = { flag: 'key-password', label: 'key entry password' };
const SYMMETRIC_KEY: SecretFlag = { flag: 'symmetric-key', label: 'symmetric key' };

/** The flags as commander parsed them: each secret in one of its three forms (value, -file, -env). */
type CipherFlagOptions = Omit<CipherFlags, 'storePassword' | 'keyPassword' | 'symmetricKey'> & Record<string, string | undefined>;

function withKeyFlags(command: Command): Command {
  command.option('--keystore <file>', 'keystore to use instead of [keystore.primary] (PKCS#12 or JKS)');
  addSecretOptions(command, STORE_PASSWORD, 'password', 'store password of --keystore');
  command.option('--alias <alias>', 'alias of the key entry in --keystore');
  addSecretOptions(command, KEY_PASSWORD, 'password', 'password of the key entry (default: the store password)');
  command.addOption(new Option('--keystore-type <type>', 'PKCS12 or JKS (default: from the file name; the content decides)').argParser(parseKeystoreType));
  return addSecretOptions(command, SYMMETRIC_KEY, 'key', 'AES key instead of [encryption] key: 16, 24 or 32 characters, or 48 or 64 hex digits');
}

/**
 * The secret flags read from wherever they were given. The store password is asked for on the terminal only
 * when --keystore is given without one; the key password defaults to it and the symmetric key is optional.
 */
async function readCipherSecrets(flags: CipherFlagOptions, io: CliIo): Promise<CipherFlags> {
  const { keystore, alias, keystoreType, transformation } = flags;
  const storePassword = await readSecretOption(flags, STORE_PASSWORD, io, keystore !== undefined);
  const keyPassword = await readSecretOption(flags, KEY_PASSWORD, io, false);
  const symmetricKey = await readSecretOption(flags, SYMMETRIC_KEY, io, false);
  return {
    ...(keystore !== undefined ? { keystore } : {}),
    ...(alias !== undefined ? { alias } : {}),
    ...(keystoreType !== undefined ? { keystoreType } : {}),
    ...(transformation !== undefined ? { transformation } : {}),
    ...(storePassword !== undefined ? { storePassword } : {}),
    ...(keyPassword !== undefined ? { keyPassword } : {}),
    ...(symmetricKey !== undefined ? { symmetricKey } : {}),
  };
}

/**
 * The deployment configuration when DEPLOYMENT_CONFIG names one, else undefined (flags must then say
 * everything). A relative DEPLOYMENT_CONFIG is resolved against the CLI's working directory.
 */
function loadCliConfig(io: CliIo): DeploymentConfig | undefined {
  const named = io.env['DEPLOYMENT_CONFIG'];
  if (!named) return undefined;
  return loadConfig({ service: 'cli', env: { ...io.env, DEPLOYMENT_CONFIG: resolve(io.cwd, named) } });
}

async function readStdinValue(io: CliIo, purpose: 'encrypt' | 'decrypt'): Promise<string> {
  if (io.isTTY) io.stderr(`Type the value to ${purpose}, then press Enter and Ctrl-D:\n`);
  return valueFromStdin(await io.stdin());
}
