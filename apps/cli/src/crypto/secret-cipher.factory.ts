import { Keyring, loadKeystore, SecretCipher, type KeystoreKey } from '@app/crypto';
import { toCliError } from '../cli.error.js';
import type { CipherSettings } from './cipher-settings.resolver.js';

/**
 * Opens the keystores named by the settings and builds the cipher: for `encrypt` one that always writes
 * (the operator asked for a ciphertext, whatever `enable_token_encryption` says), for `decrypt` one that
 * only reads. The CLI builds this itself rather than through `@app/platform`, which would load Nest.
 *
 * @throws {@link CliError} naming the keystore and where it was configured (exit 1 for a flag, 78 for the configuration).
 */
export async function openSecretCipher(
  settings: CipherSettings,
  purpose: 'encrypt' | 'decrypt',
  warn: (message: string) => void,
): Promise<SecretCipher> {
  const keys: KeystoreKey[] = [];
  for (const { options, origin } of settings.keystores) {
    let key: KeystoreKey;
    try {
      key = await loadKeystore(options);
    } catch (error) {
      throw toCliError(error, origin);
    }
    // WSO2 keeps using an expired certificate, and so do we; but the operator should know.
    if (key.expired) warn(`the certificate of "${key.alias}" in ${options.file} (${key.thumbprint}) expired on ${key.notAfter.toISOString()}`);
    keys.push(key);
  }
  const keyring = Keyring.create({ rsa: keys, symmetric: settings.symmetricKeys });
  if (purpose === 'decrypt') return new SecretCipher(keyring, { enabled: false, transformation: settings.transformation });
  return new SecretCipher(keyring, {
    enabled: true,
    transformation: settings.transformation,
    rsaKeyId: keys[0]!.thumbprint,
    ...(settings.symmetricKeys[0] ? { symmetricKeyId: settings.symmetricKeys[0].keyId } : {}),
  });
}
