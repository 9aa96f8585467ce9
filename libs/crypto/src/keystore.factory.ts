import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { CreateKeystoreOptions } from './keystore.types.js';

const generateKeyPairAsync = promisify(generateKeyPair);
const DAY_MS = 24 * 60 * 60 * 1000;
const KEY_SIZES: readonly number[] = [2048, 3072, 4096];

// Java's dname keywords (keytool -dname) and their X.500 attribute names in node-forge.
const DNAME_ATTRIBUTES: Record<string, string> = {
  CN: 'commonName',
  OU: 'organizationalUnitName',
  O: 'organizationName',
  L: 'localityName',
  ST: 'stateOrProvinceName',
  S: 'stateOrProvinceName',
  C: 'countryName',
  EMAILADDRESS: 'emailAddress',
  E: 'emailAddress',
};

/**
 * Creates a PKCS#12 keystore holding a fresh RSA key pair and a self-signed SHA-256 certificate: a
 * development or test primary keystore (`cli keystore create`). The key pair comes from node:crypto
 * (asynchronous); the certificate and the PKCS#12 container from node-forge, protected by PBES2 with
 * AES-256-CBC and PBKDF2-HMAC-SHA256 (10 000 iterations) and an HMAC-SHA1 integrity MAC — readable by
 * Java's keytool and KeyStore (WSO2), openssl and {@link loadKeystore}. The store and the key share
 * `password`, as keytool requires for PKCS#12.
 *
 * @throws TypeError / RangeError for invalid options (they are programming or input errors, not key problems).
 * @example
 * ```ts
 * const p12 = await createPkcs12Keystore({ alias: 'wso2carbon', password, dname: 'CN=localhost, O=Example, C=US' });
 * await writeFile('primary.p12', p12, { mode: 0o600 });
 * ```
 */
export async function createPkcs12Keystore(options: CreateKeystoreOptions): Promise<Buffer> {
  const { alias, password, keySizeBits = 2048, dname = 'CN=localhost', validityDays = 365 } = options;
  if (typeof alias !== 'string' || alias.trim() === '') throw new TypeError('alias must be a non-empty string');
  if (typeof password !== 'string' || password === '') throw new TypeError('password must be a non-empty string');
  if (!KEY_SIZES.includes(keySizeBits)) throw new RangeError(`keySizeBits must be 2048, 3072 or 4096, not ${keySizeBits}`);
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 36500) {
    throw new RangeError(`validityDays must be a whole number of days from 1 to 36500, not ${validityDays}`);
  }
  const subject = parseDname(dname);
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: keySizeBits, publicExponent: 0x10001 });
  // Back-date by a minute so that a keystore created on one host is already valid on a host whose clock is slightly behind.
  const notBefore = new Date(Date.now() - 60_000);
  return buildPkcs12({ alias, password, privateKey, subject, notBefore, notAfter: new Date(notBefore.getTime() + validityDays * DAY_MS) });
}

/** The PKCS#12 file for an existing key; also lets tests make certificates with any validity (e.g. expired). */
export function buildPkcs12(input: {
  alias: string;
  password: string;
  privateKey: KeyObject;
  subject: forge.pki.CertificateField[];
  notBefore: Date;
  notAfter: Date;
}): Buffer {
  const key = forge.pki.privateKeyFromPem(input.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive and minimally encoded, as DER requires
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = input.notBefore;
  cert.validity.notAfter = input.notAfter;
  cert.setSubject(input.subject);
  cert.setIssuer(input.subject);
  cert.setExtensions([{ name: 'subjectKeyIdentifier' }]);
  cert.sign(key, forge.md.sha256.create());

  const options = { algorithm: 'aes256', prfAlgorithm: 'sha256', count: 10_000, friendlyName: input.alias, generateLocalKeyId: true };
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], input.password, options as Parameters<typeof forge.pkcs12.toPkcs12Asn1>[3]);
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}

/** "CN=localhost, O=Example\, Inc., C=US" -> certificate fields in DER order (least specific first). */
export function parseDname(dname: string): forge.pki.CertificateField[] {
  const parts = dname.split(/(?<!\\),/).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new TypeError('dname must name at least one attribute, e.g. "CN=localhost"');
  return parts
    .map((part) => {
      const eq = part.indexOf('=');
      const keyword = part.slice(0, eq).trim().toUpperCase();
      const name = DNAME_ATTRIBUTES[keyword];
      const value = part.slice(eq + 1).trim().replace(/\\(.)/g, '$1');
      if (eq < 1 || !name || value === '') {
        throw new TypeError(`dname part "${part}" is not KEYWORD=value with a keyword among ${Object.keys(DNAME_ATTRIBUTES).join(', ')}`);
      }
      return { name, value };
    })
    .reverse();
}
