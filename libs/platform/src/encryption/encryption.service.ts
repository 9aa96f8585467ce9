import { Injectable } from '@nestjs/common';
import { describeProfileDifference, type EncryptionProfile, type KeystoreKey, type TokenProcessor } from '@app/crypto';
import type { ProfileView, TransitionView } from '@app/contracts';
import { readingWith, type EncryptionMaterial } from './encryption-material.js';

/** The outcome of comparing a peer's write profile with ours. */
export type ProfileCheck = { compatible: true } | { compatible: false; differences: string[] };

/**
 * A check an application adds to `prepare` (e.g. the Key Manager refuses to drop a keystore whose key still
 * signs live JWTs). Returns problems in operator language; none = fine.
 */
export type PrepareCheck = (next: EncryptionMaterial) => Promise<string[]>;

/**
 * This node's encryption state: the material it writes with, the keys it reads with, and any declared
 * change of settings in progress. Everything that stores or reads a secret asks this service for the
 * current {@link TokenProcessor} at the moment of use, so a coordinated switch takes effect at once.
 *
 * A declared change goes prepared → committed → finished:
 * - `stage`: read with the new keyring (which must still hold the key we write with), keep writing as before,
 *   accept peers on either side of the change;
 * - `commit`: write with the new settings;
 * - `finish`: accept only the new profile.
 * `abort` returns to the material in use before `stage`.
 */
@Injectable()
export class EncryptionService {
  private material: EncryptionMaterial;
  private before: EncryptionMaterial | null = null;
  private next: EncryptionMaterial | null = null;
  private transitionState: TransitionView | null = null;
  private readonly prepareChecks: PrepareCheck[] = [];
  private verifying: readonly KeystoreKey[];

  constructor(material: EncryptionMaterial) {
    this.material = material;
    this.verifying = material.keyring.rsaKeys;
  }

  get processor(): TokenProcessor {
    return this.material.processor;
  }

  get profile(): EncryptionProfile {
    return this.material.profile;
  }

  /** The key that signs new JWTs (the primary keystore's). */
  get signingKey(): KeystoreKey {
    return this.material.primary;
  }

  /**
   * Every RSA key held: published in the JWKS and accepted for JWT verification, so tokens signed before a
   * rotation stay valid. During a change, the keys of both sides.
   */
  get verificationKeys(): readonly KeystoreKey[] {
    return this.verifying;
  }

  /** Recomputed when the material changes, not per call: JWT introspection reads it on every request. */
  private updateVerificationKeys(): void {
    const keys = [...this.material.keyring.rsaKeys];
    for (const k of [...(this.before?.keyring.rsaKeys ?? []), ...(this.next?.keyring.rsaKeys ?? [])]) {
      if (!keys.some((x) => x.thumbprint === k.thumbprint)) keys.push(k);
    }
    this.verifying = keys;
  }

  get readableKeyIds(): readonly string[] {
    return this.material.keyring.keyIds;
  }

  get transition(): TransitionView | null {
    return this.transitionState;
  }

  /** Whether a peer writing with `peer` may exchange secrets with us now. */
  check(peer: EncryptionProfile): ProfileCheck {
    if (peer.fingerprint === this.profile.fingerprint) return { compatible: true };
    const t = this.transitionState;
    if (t && (peer.fingerprint === t.from.fingerprint || peer.fingerprint === t.to.fingerprint)) return { compatible: true };
    return { compatible: false, differences: describeProfileDifference(peer, this.profile) };
  }

  describe(): ProfileView {
    return { profile: this.profile, readableKeyIds: [...this.readableKeyIds], transition: this.transitionState };
  }

  addPrepareCheck(check: PrepareCheck): void {
    this.prepareChecks.push(check);
  }

  /** Runs the application's prepare checks against candidate material. */
  async runPrepareChecks(next: EncryptionMaterial): Promise<string[]> {
    const problems: string[] = [];
    for (const check of this.prepareChecks) problems.push(...(await check(next)));
    return problems;
  }

  /**
   * Prepares a declared change to `next`. Idempotent for the same id.
   * @throws CryptoError when the new keyring cannot read what this node writes now.
   */
  stage(id: string, next: EncryptionMaterial, now = new Date()): TransitionView {
    if (this.transitionState?.id === id) return this.transitionState;
    const base = this.transitionState ? (this.before ?? this.material) : this.material;
    const reading = readingWith(next, base);
    this.before = base;
    this.next = next;
    this.material = reading;
    this.transitionState = { id, from: base.profile, to: next.profile, phase: 'prepared', declaredAt: now.toISOString() };
    this.updateVerificationKeys();
    return this.transitionState;
  }

  /** Writes with the prepared settings from now on. Idempotent. */
  commit(id: string): TransitionView {
    const t = this.requireTransition(id);
    if (t.phase === 'prepared' && this.next) {
      this.material = this.next;
      this.transitionState = { ...t, phase: 'committed' };
      this.updateVerificationKeys();
    }
    return this.transitionState!;
  }

  /** The change is complete on every node; only the new profile is accepted from now on. */
  finish(id: string): void {
    const t = this.requireTransition(id);
    if (t.phase === 'prepared' && this.next) this.material = this.next;
    this.before = null;
    this.next = null;
    this.transitionState = null;
    this.updateVerificationKeys();
  }

  /** Abandons a change (prepared or committed): back to the material in use before it. */
  abort(id: string): boolean {
    if (this.transitionState?.id !== id) return false;
    if (this.before) this.material = this.before;
    this.before = null;
    this.next = null;
    this.transitionState = null;
    this.updateVerificationKeys();
    return true;
  }

  private requireTransition(id: string): TransitionView {
    if (!this.transitionState || this.transitionState.id !== id) {
      throw new Error(`no declared encryption change with id ${id} on this node`);
    }
    return this.transitionState;
  }
}
