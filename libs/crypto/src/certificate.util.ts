import { createHash, X509Certificate, type KeyObject } from 'node:crypto';

/** What the library needs to know about one X.509 certificate, read with node:crypto (any key type). */
export interface CertificateFacts {
  der: Buffer;
  pem: string;
  /** Uppercase hex SHA-1 of the DER: what WSO2 writes into `tp`. */
  thumbprint: string;
  /** Java's rendering, most specific first: "CN=localhost, O=Example, C=US". */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** Java's algorithm name: RSA, EC, DSA, Ed25519… */
  keyAlgorithm: string;
  keySizeBits?: number;
}

const JAVA_KEY_ALGORITHMS: Record<string, string> = {
  rsa: 'RSA',
  'rsa-pss': 'RSASSA-PSS',
  dsa: 'DSA',
  ec: 'EC',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
  dh: 'DH',
};

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256k1: 256, secp384r1: 384, secp521r1: 521 };

/** Reads a DER certificate; throws node's error when it is not one (callers map it to their own code). */
export function describeCertificate(der: Buffer): CertificateFacts {
  const x509 = new X509Certificate(der);
  const publicKey = x509.publicKey;
  const type = publicKey.asymmetricKeyType ?? 'unknown';
  return {
    der,
    pem: x509.toString(),
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    // node lists RDNs one per line in DER order (least specific first); Java prints them reversed, comma-separated.
    subject: x509.subject.split('\n').reverse().join(', '),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    publicKey,
    keyAlgorithm: JAVA_KEY_ALGORITHMS[type] ?? type.toUpperCase(),
    keySizeBits: keySizeBits(publicKey),
  };
}

/** Modulus length (RSA, DSA) or curve size (EC); undefined when it has none worth stating. */
export function keySizeBits(key: KeyObject): number | undefined {
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength) return details.modulusLength;
  if (details?.namedCurve) return CURVE_BITS[details.namedCurve];
  return undefined;
}
