import { createHash } from 'node:crypto';
import { parseTransformation, type Transformation } from './transformation.util.js';

/**
 * How a node WRITES secrets, comparable across nodes: nodes of one deployment must agree on it (or be in a
 * declared transition), or one would store values another cannot read.
 */
export interface EncryptionProfile {
  enabled: boolean;
  /**
   * WSO2's `enable_token_hashing`: secrets are stored as their hash only. Never together with `enabled`.
   * Absent from the profiles of nodes that predate hashing (read it as false).
   */
  hashing: boolean;
  /** null when disabled. */
  transformation: Transformation | null;
  /** The write key's id (thumbprint or AES key id); null when disabled. */
  keyId: string | null;
  /** Same settings, same string, on every node: 16 lowercase hex characters of SHA-256 over a canonical encoding. */
  fingerprint: string;
}

/**
 * The profile of some write settings. When disabled, transformation and key id do not matter and are null,
 * so every disabled node has the same fingerprint.
 *
 * @example
 * ```ts
 * const profile = encryptionProfileOf({ enabled: true, transformation: Transformations.RsaOaepSha1, keyId: primary.thumbprint });
 * profile.fingerprint; // e.g. '3f9c0a61d2b7e845'
 * ```
 */
export function encryptionProfileOf(write: { enabled: boolean; transformation: Transformation; keyId: string | null; hashing?: boolean }): EncryptionProfile {
  const enabled = write.enabled === true;
  const hashing = !enabled && write.hashing === true;
  const transformation = enabled ? parseTransformation(write.transformation) : null;
  const keyId = enabled ? write.keyId : null;
  // A JSON array of the fields, versioned: unambiguous (no separator can be forged inside a field) and stable.
  // Hashing is appended only when on, so every other profile keeps the fingerprint older nodes compute.
  const canonical = JSON.stringify(['encryption-profile/v1', enabled, transformation, keyId, ...(hashing ? ['hash:SHA-256'] : [])]);
  const fingerprint = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return Object.freeze({ enabled, hashing, transformation, keyId, fingerprint });
}

/**
 * What differs between two profiles, one line per setting, in WSO2's vocabulary; `[]` when they are equal.
 *
 * @example
 * ```ts
 * describeProfileDifference(peer, mine);
 * // ['enable_token_encryption: true vs false', 'transformation: RSA/ECB/OAEPwithSHA1andMGF1Padding vs none', 'key id: 80FC… vs none']
 * ```
 */
export function describeProfileDifference(a: EncryptionProfile, b: EncryptionProfile): string[] {
  const differences: string[] = [];
  if (a.enabled !== b.enabled) differences.push(`enable_token_encryption: ${a.enabled} vs ${b.enabled}`);
  if ((a.hashing === true) !== (b.hashing === true)) differences.push(`enable_token_hashing: ${a.hashing === true} vs ${b.hashing === true}`);
  if (a.transformation !== b.transformation) differences.push(`transformation: ${a.transformation ?? 'none'} vs ${b.transformation ?? 'none'}`);
  if (a.keyId !== b.keyId) differences.push(`key id: ${a.keyId ?? 'none'} vs ${b.keyId ?? 'none'}`);
  return differences;
}
