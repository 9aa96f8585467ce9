import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CryptoError } from './crypto.error.js';
import { describeCertificate, type CertificateFacts } from './certificate.util.js';
import { readKeystoreFile, sniffKeystoreType, type KeystoreFileEntry } from './keystore-file.reader.js';
import type { KeystoreEntryInfo, KeystoreKey, KeystoreOptions, KeystoreType } from './keystore.types.js';

const SUPPORTED_TYPES: readonly string[] = ['PKCS12', 'JKS'];

/**
 * Opens one RSA key of a PKCS#12 or JKS keystore (WSO2's `[keystore.primary]`) and parses it once into
 * node:crypto KeyObjects. Each failure has its own code, checked in this order: `KEYSTORE_UNSUPPORTED_TYPE`,
 * `KEYSTORE_NOT_FOUND`, `KEYSTORE_UNREADABLE`, `KEYSTORE_BAD_PASSWORD`, `KEYSTORE_ALIAS_NOT_FOUND` (the
 * message lists the aliases present), `KEYSTORE_BAD_KEY_PASSWORD`, `KEYSTORE_NOT_RSA`. An expired certificate
 * is not an error: `expired` is set and the caller warns.
 *
 * The file's content decides its format (as Java's `keystore.type.compat` does); `type` must still be a
 * supported one. Aliases match case-insensitively, as in Java.
 *
 * @throws {@link CryptoError} with one of the codes above; messages name the file and alias, never a password.
 * @example
 * ```ts
 * const key = await loadKeystore({ file: 'wso2carbon.jks', type: 'JKS', password: 'wso2carbon', alias: 'wso2carbon' });
 * if (key.expired) logger.warn(`certificate ${key.thumbprint} expired on ${key.notAfter.toISOString()}`);
 * ```
 */
export async function loadKeystore(options: KeystoreOptions): Promise<KeystoreKey> {
  const { file, password, alias } = options;
  const keyPassword = options.keyPassword ?? password;
  const { entries } = await openKeystore(file, password, options.type);

  const entry = findEntry(entries, alias);
  if (!entry) {
    const present = entries.map((e) => `"${e.alias}"`).join(', ') || 'none';
    throw new CryptoError('KEYSTORE_ALIAS_NOT_FOUND', `keystore ${file} has no entry "${alias}"; aliases present: ${present}`, {
      file,
      alias,
      aliases: entries.map((e) => e.alias).join(','),
    });
  }
  if (!entry.readPrivateKey) {
    throw new CryptoError('KEYSTORE_ALIAS_NOT_FOUND', `entry "${entry.alias}" of keystore ${file} is a trusted certificate without a private key`, {
      file,
      alias: entry.alias,
    });
  }
  const privateKey = entry.readPrivateKey(keyPassword);
  const certificate = leafCertificate(file, entry);
  if (privateKey.asymmetricKeyType !== 'rsa' || certificate.keyAlgorithm !== 'RSA') {
    throw new CryptoError(
      'KEYSTORE_NOT_RSA',
      `entry "${entry.alias}" of keystore ${file} holds a ${certificate.keyAlgorithm} key; WSO2 token encryption needs an RSA key`,
      { file, alias: entry.alias, keyAlgorithm: certificate.keyAlgorithm },
    );
  }
  const spki = { type: 'spki', format: 'der' } as const;
  if (!certificate.publicKey.export(spki).equals(createPublicKey(privateKey).export(spki))) {
    throw new CryptoError('KEYSTORE_UNREADABLE', `entry "${entry.alias}" of keystore ${file}: the certificate does not belong to the private key`, {
      file,
      alias: entry.alias,
    });
  }
  const notAfter = certificate.notAfter;
  return Object.freeze({
    alias: entry.alias,
    privateKey,
    publicKey: certificate.publicKey,
    certificatePem: certificate.pem,
    certificateDer: certificate.der,
    thumbprint: certificate.thumbprint,
    keySizeBits: certificate.keySizeBits ?? 0,
    subject: certificate.subject,
    notBefore: certificate.notBefore,
    notAfter,
    expired: notAfter.getTime() < Date.now(),
  });
}

/**
 * Lists a keystore's entries (for `cli keystore inspect`): aliases, key algorithms and sizes, thumbprints,
 * subjects and validity. Needs only the store password; private keys are not decrypted for this.
 * The format is sniffed from the content when `type` is absent.
 *
 * @throws {@link CryptoError} `KEYSTORE_NOT_FOUND`, `KEYSTORE_UNREADABLE`, `KEYSTORE_BAD_PASSWORD`, `KEYSTORE_UNSUPPORTED_TYPE`.
 * @example
 * ```ts
 * const { type, entries } = await inspectKeystore('wso2carbon.jks', 'wso2carbon');
 * for (const e of entries) console.log(e.alias, e.keyAlgorithm, e.keySizeBits, e.thumbprint, e.expired ? 'EXPIRED' : '');
 * ```
 */
export async function inspectKeystore(
  file: string,
  password: string,
  type?: KeystoreType,
): Promise<{ type: KeystoreType; entries: KeystoreEntryInfo[] }> {
  const opened = await openKeystore(file, password, type);
  const now = Date.now();
  const entries = opened.entries.map((entry): KeystoreEntryInfo => {
    const c = leafCertificate(file, entry);
    return {
      alias: entry.alias,
      hasPrivateKey: entry.readPrivateKey !== undefined,
      keyAlgorithm: c.keyAlgorithm,
      ...(c.keySizeBits !== undefined ? { keySizeBits: c.keySizeBits } : {}),
      thumbprint: c.thumbprint,
      subject: c.subject,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      expired: c.notAfter.getTime() < now,
    };
  });
  return { type: opened.type, entries };
}

async function openKeystore(file: string, password: string, declared: string | undefined): Promise<{ type: KeystoreType; entries: KeystoreFileEntry[] }> {
  if (declared !== undefined && !SUPPORTED_TYPES.includes(declared)) {
    throw new CryptoError('KEYSTORE_UNSUPPORTED_TYPE', `keystore type "${String(declared).slice(0, 40)}" is not supported; use PKCS12 or JKS`, { file });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? 'unknown';
    if (errno === 'ENOENT') throw new CryptoError('KEYSTORE_NOT_FOUND', `keystore ${file} does not exist`, { file });
    throw new CryptoError('KEYSTORE_UNREADABLE', `keystore ${file} cannot be read (${errno})`, { file, errno });
  }
  const type = sniffKeystoreType(file, bytes);
  return { type, entries: await readKeystoreFile(file, type, bytes, password) };
}

function findEntry(entries: KeystoreFileEntry[], alias: string): KeystoreFileEntry | undefined {
  return entries.find((e) => e.alias === alias) ?? entries.find((e) => e.alias.toLowerCase() === alias.toLowerCase());
}

function leafCertificate(file: string, entry: KeystoreFileEntry): CertificateFacts {
  const der = entry.certificates[0];
  try {
    if (der) return describeCertificate(der);
  } catch {
    // fall through: same report as a missing certificate
  }
  throw new CryptoError('KEYSTORE_UNREADABLE', `entry "${entry.alias}" of keystore ${file} has no readable certificate`, { file, alias: entry.alias });
}
