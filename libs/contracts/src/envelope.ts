import type { EncryptionProfile } from '@app/crypto';

/** The services and tools that talk over the message bus. */
export type PeerService = 'key-manager' | 'devportal' | 'cli';

/** Who sent a message, and how it writes secrets. Attached to every request and every reply. */
export interface PeerInfo {
  service: PeerService;
  /** Random per process; names the instance in logs when one member of a queue group is misconfigured. */
  instanceId: string;
  /** The sender's write profile. Receivers compare fingerprints and refuse a mismatch. */
  profile: EncryptionProfile;
  /**
   * The deployment the sender belongs to: generated once by the Key Manager and kept in its database; a
   * portal takes its Key Manager's. Receivers refuse a peer of another deployment (`FOREIGN_DEPLOYMENT`).
   * Absent while not known yet (a portal before its first agreement) and from nodes that predate it.
   */
  deployment?: string;
}

/** Every request on the bus: the sender, a request id for log correlation, and the payload. */
export interface RpcRequest<T> {
  sender: PeerInfo;
  requestId: string;
  /**
   * Random per call (the same on every retry of it), on the commands of `IDEMPOTENT_COMMANDS`: the
   * Key Manager answers a repeated key with the first answer. A secret of the caller: only its hash is
   * stored, and the stored answer is encrypted with a key derived from it.
   */
  idempotencyKey?: string;
  data: T;
}

/** Every successful reply: the responder (so the caller checks it too) and the payload. */
export interface RpcReply<T> {
  responder: PeerInfo;
  data: T;
}

/** Stable error codes carried by failed replies. Callers branch on the code, never on the message. */
export const RpcErrorCodes = {
  /** Sender and receiver would store secrets differently and no change between them is declared. */
  ProfileMismatch: 'ENCRYPTION_PROFILE_MISMATCH',
  InvalidRequest: 'INVALID_REQUEST',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  WeakPassword: 'WEAK_PASSWORD',
  /** The authentication throttle holds the attempt; `details.retryAfterSec` says for how long. */
  Throttled: 'THROTTLED',
  /**
   * The receiver belongs to another deployment (two deployments share a NATS server and subject prefix): it
   * did nothing. `details` names its deployment and instance; the caller may retry elsewhere.
   */
  ForeignDeployment: 'FOREIGN_DEPLOYMENT',
  /** The receiver is draining or not ready yet; the caller may retry elsewhere. */
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;

export type RpcErrorCode = (typeof RpcErrorCodes)[keyof typeof RpcErrorCodes];

/**
 * The body of a failed reply. `message` is safe to show to an operator: it never holds a secret.
 * `details` carries structured facts (e.g. the differing profile settings), never key material.
 */
export interface RpcErrorBody {
  code: RpcErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function isRpcErrorBody(value: unknown): value is RpcErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string';
}
