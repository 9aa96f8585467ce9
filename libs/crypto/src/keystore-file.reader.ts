import { createPrivateKey, type KeyObject } from 'node:crypto';
import jks from 'jks-js';
import forge from 'node-forge';
import { CryptoError } from './crypto.error.js';
import type { KeystoreType } from './keystore.types.js';

/** One entry of a keystore file, before any private key is decrypted. */
export interface KeystoreFileEntry {
  alias: string;
  /** DER, leaf first, exactly the bytes in the file (thumbprints depend on it). */
  certificates: Buffer[];
  /** Present for key entries: decrypts the private key with the key password. */
  readPrivateKey?: (keyPassword: string) => KeyObject;
}

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
const DER_SEQUENCE = 0x30;

/**
 * The format of a keystore, from its first bytes. Like Java since 9 (`keystore.type.compat`), the content
 * decides, so a PKCS#12 file configured as JKS (or the reverse) still opens.
 */
export function sniffKeystoreType(file: string, bytes: Buffer): KeystoreType {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC) return 'JKS';
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === JCEKS_MAGIC) {
    throw new CryptoError('KEYSTORE_UNSUPPORTED_TYPE', `keystore ${file} is a JCEKS keystore; convert it to PKCS12 or JKS with keytool -importkeystore`, { file });
  }
  if (bytes.length >= 2 && bytes[0] === DER_SEQUENCE) return 'PKCS12';
  throw new CryptoError('KEYSTORE_UNREADABLE', `keystore ${file} is neither a PKCS#12 nor a JKS file (empty, damaged or another format)`, { file });
}

/** Lists the entries of a keystore, verifying the store password. Private keys stay encrypted until asked for. */
export function readKeystoreFile(file: string, type: KeystoreType, bytes: Buffer, password: string): KeystoreFileEntry[] {
  return type === 'JKS' ? readJks(file, bytes, password) : readPkcs12(file, bytes, password);
}

function readJks(file: string, bytes: Buffer, password: string): KeystoreFileEntry[] {
  let entries: ReturnType<typeof jks.parseJks>;
  try {
    entries = jks.parseJks(bytes, password);
  } catch (error) {
    if (messageOf(error) === 'Password verification failed') throw badPassword(file);
    throw unreadable(file, 'JKS');
  }
  return entries.map((entry) => {
    if (!('protectedPrivateKey' in entry)) return { alias: entry.alias, certificates: [entry.cert.value] };
    return {
      alias: entry.alias,
      certificates: entry.chain.map((c) => c.value),
      readPrivateKey: (keyPassword: string) => {
        let pem: string;
        try {
          pem = jks.decrypt(entry.protectedPrivateKey, keyPassword);
        } catch (error) {
          if (messageOf(error) === 'Cannot recover key') throw badKeyPassword(file, entry.alias);
          throw unreadable(file, 'JKS');
        }
        return privateKeyObject(file, pem);
      },
    };
  });
}

interface Pkcs12Bag {
  type: string;
  attributes: Record<string, unknown[] | undefined>;
  key?: forge.pki.PrivateKey | null;
  cert?: forge.pki.Certificate | null;
  asn1?: forge.asn1.Asn1;
}

function readPkcs12(file: string, bytes: Buffer, password: string): KeystoreFileEntry[] {
  let bags: Pkcs12Bag[];
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
    bags = p12.safeContents.flatMap((contents) => contents.safeBags as unknown as Pkcs12Bag[]);
  } catch (error) {
    const message = messageOf(error);
    // node-forge verifies the MAC (store password) first, then decrypts with the same password.
    if (/MAC could not be verified|Failed to decrypt PKCS#12 SafeContents/.test(message)) throw badPassword(file);
    if (/Unable to decrypt PKCS#8 ShroudedKeyBag/.test(message)) {
      throw new CryptoError(
        'KEYSTORE_BAD_KEY_PASSWORD',
        `keystore ${file}: a private key is protected by a password other than the store password; ` +
          'PKCS#12 keystores are read with one password for the store and its keys (what keytool and openssl write)',
        { file },
      );
    }
    throw unreadable(file, 'PKCS#12');
  }

  const oids = forge.pki.oids;
  const keyBags = bags.filter((b) => b.type === oids['pkcs8ShroudedKeyBag'] || b.type === oids['keyBag']);
  const certBags = bags.filter((b) => b.type === oids['certBag']);
  const used = new Set<Pkcs12Bag>();
  const entries: KeystoreFileEntry[] = [];

  keyBags.forEach((keyBag, index) => {
    const localKeyId = firstAttribute(keyBag, 'localKeyId');
    const leaf = certBags.find((c) => localKeyId !== undefined && firstAttribute(c, 'localKeyId') === localKeyId);
    if (leaf) used.add(leaf);
    // Without a friendly name Java invents an alias too; a position is as good and stays stable.
    const alias = firstAttribute(keyBag, 'friendlyName') ?? (leaf && firstAttribute(leaf, 'friendlyName')) ?? String(index);
    const pkcs8 = keyBag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key)) : keyBag.asn1;
    entries.push({
      alias,
      certificates: leaf ? [certificateDer(file, leaf)] : [],
      readPrivateKey: (keyPassword: string) => {
        // node-forge has already decrypted the key with the store password: a different key password is wrong,
        // exactly as Java's KeyStore.getKey would find.
        if (keyPassword !== password) throw badKeyPassword(file, alias);
        if (!pkcs8) throw unreadable(file, 'PKCS#12');
        return privateKeyObject(file, toBuffer(forge.asn1.toDer(pkcs8)));
      },
    });
  });
  // Certificates with a name of their own and no key are trusted-certificate entries; unnamed ones are chain members.
  for (const bag of certBags) {
    const alias = firstAttribute(bag, 'friendlyName');
    if (!used.has(bag) && alias !== undefined) entries.push({ alias, certificates: [certificateDer(file, bag)] });
  }
  return entries;
}

/**
 * The certificate's DER exactly as stored. node-forge keeps the original TBSCertificate but re-encodes the
 * signature algorithm its own way (NULL parameters even for ECDSA); X.509 requires the outer algorithm to be
 * the one inside the TBSCertificate, so copying that one back gives the original bytes and thumbprint.
 */
function certificateDer(file: string, bag: Pkcs12Bag): Buffer {
  const { asn1 } = forge;
  if (!bag.cert) {
    if (!bag.asn1) throw unreadable(file, 'PKCS#12');
    return toBuffer(asn1.toDer(bag.asn1)); // forge kept the parsed original: re-encoding it is byte-exact
  }
  const cert = bag.cert as forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1 };
  const tbs = cert.tbsCertificate;
  const fields = tbs.value as forge.asn1.Asn1[];
  const hasVersion = fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC;
  const algorithm = fields[hasVersion ? 2 : 1];
  if (!algorithm) throw unreadable(file, 'PKCS#12');
  const signature = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + cert.signature);
  return toBuffer(asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [tbs, algorithm, signature])));
}

function firstAttribute(bag: Pkcs12Bag, name: string): string | undefined {
  const value = bag.attributes[name]?.[0];
  return typeof value === 'string' ? value : undefined;
}

function privateKeyObject(file: string, key: string | Buffer): KeyObject {
  try {
    return typeof key === 'string' ? createPrivateKey(key) : createPrivateKey({ key, format: 'der', type: 'pkcs8' });
  } catch {
    throw new CryptoError('KEYSTORE_UNREADABLE', `keystore ${file}: the private key cannot be parsed`, { file });
  }
}

function toBuffer(bytes: forge.util.ByteStringBuffer): Buffer {
  return Buffer.from(bytes.getBytes(), 'binary');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function badPassword(file: string): CryptoError {
  return new CryptoError('KEYSTORE_BAD_PASSWORD', `wrong store password for keystore ${file} (or the file was altered)`, { file });
}

function badKeyPassword(file: string, alias: string): CryptoError {
  return new CryptoError('KEYSTORE_BAD_KEY_PASSWORD', `wrong key password for alias "${alias}" in keystore ${file}`, { file, alias });
}

function unreadable(file: string, format: string): CryptoError {
  return new CryptoError('KEYSTORE_UNREADABLE', `keystore ${file} is not a readable ${format} keystore (damaged or truncated)`, { file });
}
