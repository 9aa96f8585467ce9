import type { KeyObject } from 'node:crypto';

/** Keystore file formats: PKCS#12 (`.p12`, `.pfx`) and Java's JKS (`wso2carbon.jks`). */
export type KeystoreType = 'PKCS12' | 'JKS';

/** Where a key is and how to open it: WSO2's `[keystore.primary]` (`file_name`, `type`, `password`, `alias`, `key_password`). */
export interface KeystoreOptions {
  file: string;
  type: KeystoreType;
  /** The store password. */
  password: string;
  alias: string;
  /** The private key's password; defaults to {@link KeystoreOptions.password}. */
  keyPassword?: string;
}

/** One RSA key pair with its certificate, parsed once into node:crypto objects. */
export interface KeystoreKey {
  alias: string;
  /** node:crypto KeyObject, parsed once. */
  privateKey: KeyObject;
  publicKey: KeyObject;
  certificatePem: string;
  certificateDer: Buffer;
  /** SHA-1 of the certificate DER, uppercase hex (as WSO2 writes `tp`); the key's id in a {@link Keyring}. */
  thumbprint: string;
  keySizeBits: number;
  /** E.g. "CN=localhost, O=Example, C=US". */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** True when notAfter < now: callers warn loudly (not an error: WSO2 keeps decrypting with expired certificates). */
  expired: boolean;
}

/** One entry of a keystore as listed by {@link inspectKeystore}; nothing secret. */
export interface KeystoreEntryInfo {
  alias: string;
  /** False for a trusted-certificate entry. */
  hasPrivateKey: boolean;
  /** Java's name of the certificate's key algorithm: RSA, EC, DSA, Ed25519… */
  keyAlgorithm: string;
  keySizeBits?: number;
  thumbprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  expired: boolean;
}

/** Input of {@link createPkcs12Keystore}. */
export interface CreateKeystoreOptions {
  alias: string;
  password: string;
  /** Default 2048. */
  keySizeBits?: 2048 | 3072 | 4096;
  /** Java-style distinguished name, most specific first: "CN=localhost, O=Example, C=US" (the default is "CN=localhost"). */
  dname?: string;
  /** Default 365. */
  validityDays?: number;
}
