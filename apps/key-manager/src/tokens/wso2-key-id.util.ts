import { createHash } from 'node:crypto';

/**
 * The `kid`s WSO2 puts in the header of the JWTs it signs with a certificate's key (RS256), verified from
 * wso2-extensions/identity-inbound-auth-oauth @ c4c32bb3f8edde5dc54b7d713acdd71a232e8f62:
 * `DefaultKeyIDProviderImpl.getKeyId` = `OAuth2Util.getThumbPrint(cert) + "_" + alg`, where
 * `getThumbPrintWithAlgorithm(cert, alg, requireHexifying = true)` is the URL-safe Base64 (no padding:
 * commons-codec `new Base64(0, null, true)`) of the *lowercase hex text* of the digest of the DER.
 *
 * - `current`: SHA-256 (`KID_HASHING_ALGORITHM`; since v6.2.109, commit a5596b53, January 2020 —
 *   API Manager 3.2.0 and later), e.g. `NTBmMGVk…_RS256`.
 * - `previous`: SHA-1 with the suffix (`KeyIDProvider.getPreviousKeyId`, `PREVIOUS_KID_HASHING_ALGORITHM`),
 *   what earlier releases signed with and what WSO2's JWKS still publishes for migrations.
 * - `legacy`: SHA-1 without the suffix (`JwksEndpoint.createKeySetUsingOldKeyID`, the oldest form).
 */
export function wso2KeyIds(certificateDer: Buffer, algorithm = 'RS256'): { current: string; previous: string; legacy: string } {
  const thumbprint = (digest: 'sha256' | 'sha1') => Buffer.from(createHash(digest).update(certificateDer).digest('hex'), 'utf8').toString('base64url');
  const sha1 = thumbprint('sha1');
  return { current: `${thumbprint('sha256')}_${algorithm}`, previous: `${sha1}_${algorithm}`, legacy: sha1 };
}
