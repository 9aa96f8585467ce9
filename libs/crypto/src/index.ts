/**
 * `@app/crypto`: WSO2-compatible encryption of OAuth2 secrets. Keystores (PKCS#12, JKS), WSO2's stored
 * value formats, a keyring of current and old keys, the secret cipher and the token processor.
 * This file is the library's only public entry.
 */
export { CryptoError, type CryptoErrorCode } from './crypto.error.js';
export type { CreateKeystoreOptions, KeystoreEntryInfo, KeystoreKey, KeystoreOptions, KeystoreType } from './keystore.types.js';
export { inspectKeystore, loadKeystore } from './keystore.loader.js';
export { createPkcs12Keystore } from './keystore.factory.js';
export { createSelfSignedTlsCertificate, type SelfSignedTls, type SelfSignedTlsOptions } from './tls-certificate.factory.js';
export { isWritableTransformation, parseTransformation, Transformations, type Transformation } from './transformation.util.js';
export { isCanonicalBase64url, isCanonicalCompactJws } from './encoding.util.js';
export { parseSymmetricKey, type SymmetricKey } from './symmetric-key.util.js';
export { decodeStoredValue, type DecodedValue } from './stored-value.codec.js';
export { formatScheme, HASHED_SCHEME, parseScheme, PLAIN_SCHEME, type ParsedScheme, type StorageScheme } from './storage-scheme.util.js';
export { formatWso2Hash, parseWso2Hash, sha256OfWso2Hash, type Wso2Hash } from './wso2-hash.codec.js';
export { Keyring } from './keyring.model.js';
export { SecretCipher, type RsaOpening, type RsaWriteKey, type SchemeCapability, type WriteSettings } from './secret-cipher.service.js';
export { SecretKinds, TokenProcessor, type ProtectedSecret, type SecretKind } from './token-processor.service.js';
export { describeProfileDifference, encryptionProfileOf, type EncryptionProfile } from './encryption-profile.util.js';
export { formatUuid, SELECTOR_SECRET_BYTES, selectorOfJti, selectorOfSecret, stampUuidV7 } from './token-selector.util.js';
export { RsaWorkerPool, type OpenAnyResult, type RevealResult, type RsaWorkerPoolOptions } from './rsa-worker-pool.js';
