import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import jks from 'jks-js';
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

/**
 * Lists the entries of a keystore, verifying the store password. JKS private keys stay encrypted until asked
 * for; a PKCS#12 file is decoded off the event loop (see {@link PKCS12_WORKER_SOURCE}).
 */
export async function readKeystoreFile(file: string, type: KeystoreType, bytes: Buffer, password: string): Promise<KeystoreFileEntry[]> {
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

/** What the decoding thread gives back: each bag's parts as DER, or the message node-forge failed with. */
type DecodedBag = { kind: 'key' | 'cert'; friendlyName?: string; localKeyId?: string; der?: Uint8Array };
type DecodeReply = { ok: true; bags: DecodedBag[] } | { ok: false; message: string };

// PKCS#12 decoding (node-forge: the MAC check and key decryption are key derivations in plain JavaScript,
// 10,000 rounds each in the files createPkcs12Keystore writes) runs on a short-lived worker thread: about
// 0.2-0.3 s of CPU per keystore, which on the event loop stalled every request of a service reloading its
// keystores for a rollout (seconds on a loaded 2-core host, past the bus's request timeout). A string, not
// a module file, so it runs the same from dist/ and under jest (as RsaWorkerPool). The password and the key
// stay in memory; an error comes back as node-forge's message alone, which the caller only classifies.
const PKCS12_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const forge = require(workerData.forgePath);
const der = (asn1) => Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
const first = (bag, name) => { const v = bag.attributes[name] && bag.attributes[name][0]; return typeof v === 'string' ? v : undefined; };
// The certificate's DER exactly as stored: node-forge keeps the original TBSCertificate but re-encodes the
// signature algorithm its own way (NULL parameters even for ECDSA); X.509 requires the outer algorithm to be
// the one inside the TBSCertificate, so copying that one back gives the original bytes and thumbprint.
function certificateDer(bag) {
  const asn1 = forge.asn1;
  if (!bag.cert) return bag.asn1 ? der(bag.asn1) : undefined;
  const tbs = bag.cert.tbsCertificate;
  const fields = tbs.value;
  const hasVersion = fields[0] && fields[0].tagClass === asn1.Class.CONTEXT_SPECIFIC;
  const algorithm = fields[hasVersion ? 2 : 1];
  if (!algorithm) return undefined;
  const signature = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + bag.cert.signature);
  return der(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [tbs, algorithm, signature]));
}
let reply;
try {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(workerData.bytes).toString('binary')));
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, workerData.password);
  const oids = forge.pki.oids;
  const bags = [];
  for (const contents of p12.safeContents) {
    for (const bag of contents.safeBags) {
      const names = { friendlyName: first(bag, 'friendlyName'), localKeyId: first(bag, 'localKeyId') };
      if (bag.type === oids.pkcs8ShroudedKeyBag || bag.type === oids.keyBag) {
        const pkcs8 = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
        bags.push({ kind: 'key', ...names, der: pkcs8 ? der(pkcs8) : undefined });
      } else if (bag.type === oids.certBag) {
        bags.push({ kind: 'cert', ...names, der: certificateDer(bag) });
      }
    }
  }
  reply = { ok: true, bags };
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
parentPort.postMessage(reply);
`;

const FORGE_PATH = createRequire(import.meta.url).resolve('node-forge');

/** Runs {@link PKCS12_WORKER_SOURCE} once on a thread of its own and gives its reply. */
function decodeOnWorker(bytes: Buffer, password: string): Promise<DecodeReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(PKCS12_WORKER_SOURCE, { eval: true, workerData: { forgePath: FORGE_PATH, bytes, password } });
    let replied = false;
    worker.once('message', (reply: DecodeReply) => {
      replied = true;
      resolve(reply);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!replied) reject(new Error(`the PKCS#12 decoding thread exited with code ${code}`));
    });
  });
}

async function readPkcs12(file: string, bytes: Buffer, password: string): Promise<KeystoreFileEntry[]> {
  const decoded = await decodeOnWorker(bytes, password);
  if (!decoded.ok) {
    // node-forge verifies the MAC (store password) first, then decrypts with the same password.
    if (/MAC could not be verified|Failed to decrypt PKCS#12 SafeContents/.test(decoded.message)) throw badPassword(file);
    if (/Unable to decrypt PKCS#8 ShroudedKeyBag/.test(decoded.message)) {
      throw new CryptoError(
        'KEYSTORE_BAD_KEY_PASSWORD',
        `keystore ${file}: a private key is protected by a password other than the store password; ` +
          'PKCS#12 keystores are read with one password for the store and its keys (what keytool and openssl write)',
        { file },
      );
    }
    throw unreadable(file, 'PKCS#12');
  }
  const keyBags = decoded.bags.filter((b) => b.kind === 'key');
  const certBags = decoded.bags.filter((b) => b.kind === 'cert');
  const certificate = (bag: DecodedBag): Buffer => {
    if (!bag.der) throw unreadable(file, 'PKCS#12');
    return Buffer.from(bag.der);
  };
  const used = new Set<DecodedBag>();
  const entries: KeystoreFileEntry[] = [];

  keyBags.forEach((keyBag, index) => {
    const leaf = certBags.find((c) => keyBag.localKeyId !== undefined && c.localKeyId === keyBag.localKeyId);
    if (leaf) used.add(leaf);
    // Without a friendly name Java invents an alias too; a position is as good and stays stable.
    const alias = keyBag.friendlyName ?? leaf?.friendlyName ?? String(index);
    entries.push({
      alias,
      certificates: leaf ? [certificate(leaf)] : [],
      readPrivateKey: (keyPassword: string) => {
        // node-forge has already decrypted the key with the store password: a different key password is wrong,
        // exactly as Java's KeyStore.getKey would find.
        if (keyPassword !== password) throw badKeyPassword(file, alias);
        if (!keyBag.der) throw unreadable(file, 'PKCS#12');
        return privateKeyObject(file, Buffer.from(keyBag.der));
      },
    });
  });
  // Certificates with a name of their own and no key are trusted-certificate entries; unnamed ones are chain members.
  for (const bag of certBags) {
    if (!used.has(bag) && bag.friendlyName !== undefined) entries.push({ alias: bag.friendlyName, certificates: [certificate(bag)] });
  }
  return entries;
}

function privateKeyObject(file: string, key: string | Buffer): KeyObject {
  try {
    return typeof key === 'string' ? createPrivateKey(key) : createPrivateKey({ key, format: 'der', type: 'pkcs8' });
  } catch {
    throw new CryptoError('KEYSTORE_UNREADABLE', `keystore ${file}: the private key cannot be parsed`, { file });
  }
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
