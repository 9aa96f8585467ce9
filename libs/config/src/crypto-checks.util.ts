import { CryptoError, isWritableTransformation, parseSymmetricKey, parseTransformation, Transformations } from '@app/crypto';

// The rules for transformations and symmetric keys belong to @app/crypto; config only turns its verdicts
// into configuration issues, in words of its own (a CryptoError message is not written for this file).

/** WSO2's default when `org.wso2.CipherTransformation` is not set. */
export const DEFAULT_TRANSFORMATION: string = Transformations.RsaOaepSha1;
/** The one transformation that needs `[encryption] key`. */
export const SYMMETRIC_TRANSFORMATION: string = Transformations.AesGcm;

export function checkTransformation(name: string): { canonical?: string; problem?: string } {
  let canonical: ReturnType<typeof parseTransformation>;
  try {
    canonical = parseTransformation(name);
  } catch (error) {
    if (error instanceof CryptoError && error.code === 'CIPHER_UNSUPPORTED_TRANSFORMATION') {
      return { problem: 'not a transformation this server supports' };
    }
    throw error;
  }
  if (!isWritableTransformation(canonical)) {
    return { canonical, problem: `${canonical} is a legacy transformation, read-only: values stored with it can still be read, but new values cannot be written with it` };
  }
  return { canonical };
}

/** What is wrong with a symmetric key, by its length only; undefined when WSO2's rule accepts it. */
export function checkSymmetricKey(value: string): string | undefined {
  try {
    parseSymmetricKey(value);
    return undefined;
  } catch (error) {
    if (!(error instanceof CryptoError) || error.code !== 'SYMMETRIC_KEY_INVALID') throw error;
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  const hexLength = value.length === 48 || value.length === 64;
  const hint = hexLength ? `; a ${value.length}-character key is read as hex only when it is all hex digits` : '';
  return `is set but is ${value.length} characters (${bytes} bytes as UTF-8), not 16, 24 or 32 bytes${hint}`;
}
