import { resolve } from 'node:path';
import type { DeploymentConfig, KeystoreSettings } from '@app/config';
import {
  CryptoError,
  isWritableTransformation,
  parseSymmetricKey,
  parseTransformation,
  Transformations,
  type KeystoreOptions,
  type SymmetricKey,
  type Transformation,
} from '@app/crypto';
import { ExitCode, CliError, usageError } from '../cli.error.js';
import { keystoreTypeFromName } from '../cli-options.util.js';

/** The key flags of `crypto encrypt|decrypt`, as commander parsed them. */
export interface CipherFlags {
  keystore?: string;
  storePassword?: string;
  alias?: string;
  keyPassword?: string;
  keystoreType?: 'PKCS12' | 'JKS';
  /** encrypt only: each stored value names its own transformation. */
  transformation?: string;
  symmetricKey?: string;
}

/** Where a setting came from, for messages: the operator must know whether to fix a flag or the file. */
export interface SettingOrigin {
  label: string;
  fromConfig: boolean;
}

export interface KeystoreSource {
  options: KeystoreOptions;
  origin: SettingOrigin;
}

/** What `crypto encrypt|decrypt` works with, before any keystore is opened. */
export interface CipherSettings {
  /** The primary keystore first (encrypt writes with it), then `[[keystore.old]]`. */
  keystores: KeystoreSource[];
  /** The write key (`--symmetric-key` or `[encryption] key`) first, then `[encryption] old_key`. */
  symmetricKeys: SymmetricKey[];
  /** What encrypt writes with. */
  transformation: Transformation;
}

const KEYSTORE_DETAIL_FLAGS = [
  ['storePassword', '--store-password'],
  ['alias', '--alias'],
  ['keyPassword', '--key-password'],
  ['keystoreType', '--keystore-type'],
] as const;

/**
 * Merges the flags over the configuration (flags win): `--keystore` replaces `[keystore.primary]`,
 * `--symmetric-key` replaces `[encryption] key`, `--transformation` replaces `org.wso2.CipherTransformation`;
 * `[[keystore.old]]` and `[encryption] old_key` are kept so decrypt still reads older values. Pure: opens
 * nothing.
 *
 * @throws {@link CliError} exit 2 for an incomplete or invalid command line (never quoting a secret flag).
 */
export function resolveCipherSettings(
  flags: CipherFlags,
  config: DeploymentConfig | undefined,
  cwd: string,
  purpose: 'encrypt' | 'decrypt',
): CipherSettings {
  const primary = flagKeystore(flags, cwd) ?? (config && configKeystore(config, config.keystore.primary, '[keystore.primary]'));
  if (!primary) {
    throw usageError('no keys to work with: set DEPLOYMENT_CONFIG to the deployment.toml, or pass --keystore, --store-password and --alias');
  }
  const old = config ? config.keystore.old.map((k, i) => configKeystore(config, k, `[[keystore.old]] #${i + 1}`)) : [];

  const symmetricKeys: SymmetricKey[] = [];
  if (flags.symmetricKey !== undefined) symmetricKeys.push(flagSymmetricKey(flags.symmetricKey));
  else if (config?.encryption.key) symmetricKeys.push(configSymmetricKey(config, config.encryption.key, 'key'));
  if (config?.encryption.oldKey) symmetricKeys.push(configSymmetricKey(config, config.encryption.oldKey, 'old_key'));

  const transformation = flags.transformation !== undefined ? flagTransformation(flags.transformation) : configTransformation(config);
  if (purpose === 'encrypt' && transformation === Transformations.AesGcm && symmetricKeys.length === 0) {
    throw usageError(`${Transformations.AesGcm} needs a symmetric key: pass --symmetric-key, or set [encryption] key in the configuration`);
  }
  return { keystores: [primary, ...old], symmetricKeys, transformation };
}

function flagKeystore(flags: CipherFlags, cwd: string): KeystoreSource | undefined {
  if (flags.keystore === undefined) {
    const stray = KEYSTORE_DETAIL_FLAGS.find(([key]) => flags[key] !== undefined);
    if (stray) throw usageError(`${stray[1]} describes the keystore given with --keystore, which is missing`);
    return undefined;
  }
  if (flags.storePassword === undefined) throw usageError('--keystore needs --store-password');
  if (flags.alias === undefined || flags.alias.trim() === '') throw usageError('--keystore needs --alias (the alias of the key entry)');
  const file = resolve(cwd, flags.keystore);
  return {
    options: {
      file,
      type: flags.keystoreType ?? keystoreTypeFromName(file),
      password: flags.storePassword,
      alias: flags.alias,
      keyPassword: flags.keyPassword ?? flags.storePassword,
    },
    origin: { label: 'keystore given by --keystore', fromConfig: false },
  };
}

function configKeystore(config: DeploymentConfig, settings: KeystoreSettings, table: string): KeystoreSource {
  return {
    options: { file: settings.file, type: settings.type, password: settings.password, alias: settings.alias, keyPassword: settings.keyPassword },
    origin: { label: `keystore set by ${table} in ${config.file}`, fromConfig: true },
  };
}

function flagSymmetricKey(value: string): SymmetricKey {
  try {
    return parseSymmetricKey(value);
  } catch (error) {
    // The lib's message gives lengths only, never the key.
    if (error instanceof CryptoError) throw usageError(`invalid --symmetric-key: ${error.message}`);
    throw error;
  }
}

function configSymmetricKey(config: DeploymentConfig, value: string, key: string): SymmetricKey {
  try {
    return parseSymmetricKey(value);
  } catch (error) {
    // The config lib validates the key with the same rule, so this means the two libs disagree.
    if (error instanceof CryptoError) throw new CliError(`[encryption] ${key} in ${config.file}: ${error.message}`, ExitCode.Config);
    throw error;
  }
}

function flagTransformation(name: string): Transformation {
  let transformation: Transformation;
  try {
    transformation = parseTransformation(name);
  } catch (error) {
    if (error instanceof CryptoError) throw usageError(`invalid --transformation: ${error.message}`);
    throw error;
  }
  if (!isWritableTransformation(transformation)) {
    throw usageError(
      `--transformation ${transformation} is a legacy transformation, read-only: crypto decrypt reads values stored with it, ` +
        `but new values are written with ${Transformations.RsaOaepSha1}, ${Transformations.RsaOaepSha256} or ${Transformations.AesGcm}`,
    );
  }
  return transformation;
}

function configTransformation(config: DeploymentConfig | undefined): Transformation {
  // The config lib has already refused unknown and read-only names, and defaults to WSO2's default.
  return config ? parseTransformation(config.encryption.transformation) : Transformations.RsaOaepSha1;
}
