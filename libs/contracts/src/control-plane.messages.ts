import type { EncryptionProfile } from '@app/crypto';
import type { PeerService } from './envelope.js';
import type { TransitionView } from './key-manager.messages.js';

/**
 * Broadcast subjects of the encryption control plane. Every service instance subscribes to each (no queue
 * group: all instances receive every message); `cli encryption rollout` gathers the replies. This is how a
 * deliberate change of encryption settings reaches every node together.
 */
export const ControlSubjects = {
  /** Who is out there and how each instance writes and reads. */
  Discover: 'te.control.discover',
  /** Reload deployment.toml, load the new keys, check everything stays readable, and start accepting both profiles. */
  Prepare: 'te.control.prepare',
  /** Start writing with the prepared settings. */
  Commit: 'te.control.commit',
  /** The change is complete everywhere: accept only the new profile. */
  Finish: 'te.control.finish',
  /** Abandon the change and return to the settings in use before it. */
  Abort: 'te.control.abort',
} as const;

export type ControlSubject = (typeof ControlSubjects)[keyof typeof ControlSubjects];

export interface NodeStatus {
  service: PeerService;
  instanceId: string;
  /** The deployment this node belongs to (see `PeerInfo.deployment`); absent while not known yet. */
  deployment?: string;
  profile: EncryptionProfile;
  readableKeyIds: string[];
  transition: TransitionView | null;
  /**
   * Stored values not under the current settings, values this node cannot read, and values kept as hashes
   * only under other current settings (absent from nodes that predate hashing) — from its last report.
   */
  storedSecrets: { notCurrent: number; unreadable: number; hashOnly?: number } | null;
}

export interface DiscoverCommand {
  /** Recount stored values before answering (after `tokens migrate`, so health and metrics are current at once). */
  refresh?: boolean;
}

/**
 * The deployment a rollout command is meant for: a node of another deployment that hears it (two deployments
 * on one NATS server and subject prefix) ignores it and says so in its log.
 */
export interface AddressedCommand {
  deployment?: string;
}

export interface PrepareCommand extends AddressedCommand {
  transitionId: string;
  /** The profile the operator's deployment.toml gives; a node whose file gives another refuses. */
  targetFingerprint: string;
}

export interface TransitionCommand extends AddressedCommand {
  transitionId: string;
}

export type ControlReply =
  | { ok: true; service: PeerService; instanceId: string; deployment?: string; profile: EncryptionProfile; transition: TransitionView | null }
  | { ok: false; service: PeerService; instanceId: string; deployment?: string; error: string };
