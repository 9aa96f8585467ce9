import { generateKeyPair, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);
const DAY_MS = 24 * 60 * 60 * 1000;
const HOST_NAME = /^(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export interface SelfSignedTlsOptions {
  /** DNS names and IP addresses the certificate is for; the first is also its common name. */
  hosts: readonly string[];
  /** Days from now (1–825, the most browsers accept). Default 397. */
  validityDays?: number;
}

export interface SelfSignedTls {
  /** The certificate, PEM. */
  certificatePem: string;
  /** The private key (PKCS#8), PEM. */
  privateKeyPem: string;
}

/**
 * A self-signed TLS server certificate (RSA 2048, SHA-256, subjectAltName for every host, serverAuth): the
 * development certificate the Compose deployment's reverse proxy serves until a real one is configured
 * (`cli tls dev-certificate`). Clients trust it only when told to (e.g. `curl --cacert`).
 *
 * @throws TypeError / RangeError for invalid options.
 */
export async function createSelfSignedTlsCertificate(options: SelfSignedTlsOptions): Promise<SelfSignedTls> {
  const { hosts, validityDays = 397 } = options;
  if (!Array.isArray(hosts) || hosts.length === 0) throw new TypeError('hosts must name at least one DNS name or IP address');
  for (const host of hosts) {
    if (typeof host !== 'string' || (isIP(host) === 0 && !HOST_NAME.test(host))) throw new TypeError(`"${String(host)}" is not a DNS name or IP address`);
  }
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 825) {
    throw new RangeError(`validityDays must be a whole number of days from 1 to 825, not ${validityDays}`);
  }
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive and minimally encoded, as DER requires
  cert.serialNumber = serial.toString('hex');
  // Back-dated a minute for hosts whose clock is slightly behind.
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(cert.validity.notBefore.getTime() + validityDays * DAY_MS);
  const subject = [{ name: 'commonName', value: hosts[0]! }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // type 2: dNSName, type 7: iPAddress
    { name: 'subjectAltName', altNames: hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host })) },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  // forge ends PEM lines with CRLF; node:crypto and OpenSSL write LF.
  return { certificatePem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), privateKeyPem };
}
