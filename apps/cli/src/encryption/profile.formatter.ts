import type { EncryptionProfile } from '@app/crypto';

/** One line an operator can read: "encryption off", "hashing (SHA-256, hash only)" or "AES/GCM/NoPadding with key YpQY… (profile 1a2b…)". */
export function describeProfile(profile: EncryptionProfile): string {
  if (profile.hashing === true) return `hashing: SHA-256, hash only (profile ${profile.fingerprint})`;
  if (!profile.enabled) return `encryption off (profile ${profile.fingerprint})`;
  return `${profile.transformation} with key ${profile.keyId} (profile ${profile.fingerprint})`;
}
