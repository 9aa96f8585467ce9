import type { Logger } from 'pino';
import type { DeploymentConfig, KeystoreSettings } from '@app/config';
import {
  Keyring,
  loadKeystore,
  parseSymmetricKey,
  parseTransformation,
  SecretCipher,
  TokenProcessor,
  type EncryptionProfile,
  type KeystoreKey,
  type SymmetricKey,
  type WriteSettings,
} from '@app/crypto';

/** Everything a node needs to write and read secrets, built from one configuration. Immutable. */
export interface EncryptionMaterial {
  /** Every key this node holds: the primary keystore, `[[keystore.old]]`, `[encryption] key` and `old_key`. */
  keyring: Keyring;
  /** The primary keystore's key: signs JWTs (its thumbprint is the `kid`) and, for RSA transformations, encrypts. */
  primary: KeystoreKey;
  /** How this material writes (the settings behind `profile`). */
  write: WriteSettings;
  processor: TokenProcessor;
  profile: EncryptionProfile;
}

function keystoreOptions(settings: KeystoreSettings) {
  return { file: settings.file, type: settings.type, password: settings.password, alias: settings.alias, keyPassword: settings.keyPassword };
}

/**
 * Opens the keystores and parses the symmetric keys named by the configuration. Fails (with the crypto
 * library's coded errors) when a keystore can't be opened; warns loudly when a certificate has expired.
 */
export async function loadEncryptionMaterial(config: DeploymentConfig, logger?: Logger): Promise<EncryptionMaterial> {
  const primary = await loadKeystore(keystoreOptions(config.keystore.primary));
  const old = await Promise.all(config.keystore.old.map((k) => loadKeystore(keystoreOptions(k))));
  for (const key of [primary, ...old]) {
    if (key.expired) {
      logger?.warn(
        { thumbprint: key.thumbprint, alias: key.alias, notAfter: key.notAfter.toISOString() },
        `KEYSTORE CERTIFICATE EXPIRED: alias "${key.alias}" (${key.thumbprint}) expired on ${key.notAfter.toISOString()}; rotate it (docs/operations.md)`,
      );
    }
  }
  const symmetric: SymmetricKey[] = [];
  const key = config.encryption.key ? parseSymmetricKey(config.encryption.key) : undefined;
  if (key) symmetric.push(key);
  if (config.encryption.oldKey) symmetric.push(parseSymmetricKey(config.encryption.oldKey));

  const keyring = Keyring.create({ rsa: [primary, ...old], symmetric });
  const transformation = parseTransformation(config.encryption.transformation);
  const write: WriteSettings = {
    enabled: config.encryption.enabled,
    hashing: config.encryption.hashing,
    transformation,
    rsaKeyId: primary.thumbprint,
    ...(key ? { symmetricKeyId: key.keyId } : {}),
  };
  const processor = new TokenProcessor(new SecretCipher(keyring, write));
  return { keyring, primary, write, processor, profile: processor.profile };
}

/**
 * Material that reads with `reader`'s keyring but writes exactly as `writer` does: what a node uses between
 * preparing a change and committing it, so that it already reads values written under the new settings by
 * nodes that committed first, while it still writes as before.
 *
 * @throws CryptoError `CIPHER_KEY_UNAVAILABLE` when the new keyring lacks the key `writer` writes with.
 */
export function readingWith(reader: EncryptionMaterial, writer: EncryptionMaterial): EncryptionMaterial {
  const processor = new TokenProcessor(new SecretCipher(reader.keyring, writer.write));
  return { keyring: reader.keyring, primary: writer.primary, write: writer.write, processor, profile: processor.profile };
}
