import type { PeerService } from './envelope.js';

/**
 * NATS subjects served by the Key Manager. Every instance subscribes in the queue group named by
 * `[transport.nats] queue` (default {@link KEY_MANAGER_QUEUE}), so a request reaches exactly one instance
 * and several instances share the load.
 */
export const KEY_MANAGER_QUEUE = 'key-manager';

export const KeyManagerPatterns = {
  /** The Key Manager's encryption profile (how it writes, what it reads, any declared change). */
  ProfileGet: 'km.profile.get',
  /** Sign-up: a user in the Key Manager's own user store. */
  UserCreate: 'km.users.create',
  /** Log-in: checks the password and issues a user token set (password grant for the portal). */
  UserAuthenticate: 'km.users.authenticate',
  /** Renews a log-in: the refresh_token grant for the portal's client (the refresh token rotates). */
  UserRefresh: 'km.users.refresh',
  /**
   * The web app's sign-in: lets the portal's client use the authorization code grant with the portal's
   * callback URL (added to its redirect URIs), and answers the client's name for the sign-in page.
   */
  PortalRegisterCallback: 'km.portal.register-callback',
  /** Completes a web sign-in: redeems an authorization code of the portal's client (PKCE verified) for a user token set. */
  UserExchangeCode: 'km.users.exchange-code',
  /** Validates a bearer token presented to the portal (introspection without HTTP). */
  TokenValidate: 'km.tokens.validate',
  /** Creates the OAuth2 client behind one application key. */
  ClientCreate: 'km.clients.create',
  ClientGet: 'km.clients.get',
  ClientUpdate: 'km.clients.update',
  /** Deletes a client and revokes every token issued to it. */
  ClientDelete: 'km.clients.delete',
  /** New consumer secret; the old one stops working at once. */
  ClientRegenerateSecret: 'km.clients.regenerate-secret',
  /** Adds a consumer secret beside the client's others (WSO2 4.7); its value is in this reply only. */
  ClientSecretGenerate: 'km.clients.secrets.generate',
  /** The client's consumer secrets, without their values. */
  ClientSecretList: 'km.clients.secrets.list',
  /** Revokes one consumer secret (not the most recent one, nor the last that works). */
  ClientSecretRevoke: 'km.clients.secrets.revoke',
  /** Whether a lookup hash is the hash of one of the client's secrets that work now (the portal's generate-token). */
  ClientSecretMatch: 'km.clients.secrets.match',
  /**
   * The portal's map-keys: the client, once its consumer secret is proved by client authentication (the
   * token endpoint's check: by hash, constant time, any working secret, under the throttle).
   */
  ClientMap: 'km.clients.map',
  /** Issues a client_credentials access token for a client the portal has already authenticated. */
  TokenIssue: 'km.tokens.issue',
  /** Revokes one token of a client, or all of its tokens. */
  TokenRevoke: 'km.tokens.revoke',
} as const;

export type KeyManagerPattern = (typeof KeyManagerPatterns)[keyof typeof KeyManagerPatterns];

/**
 * The commands whose repetition would do something twice (a second user, client or secret, a refresh
 * token spent twice, a failed log-in counted twice). Each request of one carries an idempotency key: the
 * Key Manager stores the first answer under it, so a retry after a lost reply, or a second copy sent while
 * the first is slow, gets that answer instead of a second effect. Every other pattern is a read or sets a
 * state and is safe to repeat as it is.
 *
 * `km.tokens.issue` (the portal's generate-token and the first token of generate-keys) is not among them:
 * a second copy mints a second client_credentials token that no-one receives (the portal answers with the
 * first reply) and that expires unused, as a WSO2 portal's retried call to its token endpoint does. The
 * idempotency record (a held transaction, an insert, an update and a commit per call) cost more PostgreSQL
 * CPU than the issuance itself on every call, to avoid that harmless row on the rare resent one.
 */
export const IDEMPOTENT_COMMANDS: ReadonlySet<KeyManagerPattern> = new Set<KeyManagerPattern>([
  KeyManagerPatterns.UserCreate,
  KeyManagerPatterns.UserAuthenticate,
  KeyManagerPatterns.UserRefresh,
  KeyManagerPatterns.ClientCreate,
  KeyManagerPatterns.ClientDelete,
  KeyManagerPatterns.ClientRegenerateSecret,
  KeyManagerPatterns.ClientSecretGenerate,
  KeyManagerPatterns.ClientSecretRevoke,
]);

/**
 * The client the Key Manager issues portal log-in tokens to (`km.users.authenticate`). The portal accepts
 * only user tokens of this client as bearer tokens, so a token a user gave some other application does
 * not open the user's portal account.
 */
export const DEVPORTAL_CLIENT_ID = 'apim-devportal';

/**
 * Broadcasts: every instance that listens gets each one (no queue group), on a best-effort basis — a
 * listener that was disconnected treats everything it may have missed as changed ({@link BusConnection}'s
 * `listen`).
 */
export const BusEvents = {
  /**
   * Portal log-in tokens stopped working (log-out, revocation, refresh-token rotation or replay): the users
   * whose tokens they were. Every portal instance stops trusting its cached validations of those users'
   * tokens. Sent by the Key Manager, which makes every such change.
   */
  PortalSessionsEnded: 'te.events.portal-sessions-ended',
  /**
   * A portal instance changed or removed keys of these applications (key updated or deleted, consumer
   * secret regenerated or revoked, application deleted): every portal instance forgets what it cached about
   * those applications' keys (for generate-token). Sent by the portal instance that made the change.
   */
  ApplicationKeysChanged: 'te.events.application-keys-changed',
} as const;

/**
 * Who sent a broadcast: carried in every one, beside the event's own fields, as `sender`. A listener of
 * another deployment (two deployments on one NATS server and subject prefix) ignores it; one without
 * `deployment` (a sender that does not know its deployment yet, or of a release before this field) is heard.
 */
export interface BroadcastSender {
  service: PeerService;
  instanceId: string;
  deployment?: string;
}

/** The body of {@link BusEvents.PortalSessionsEnded}. */
export interface PortalSessionsEndedEvent {
  usernames: string[];
}

/** The body of {@link BusEvents.ApplicationKeysChanged}: the applications (ids) whose keys changed. */
export interface ApplicationKeysChangedEvent {
  applicationIds: string[];
}

/**
 * The NATS subject of a pattern or control subject under `[transport.nats] subject_prefix`: `<prefix>.<subject>`,
 * or the subject itself without a prefix. Deployments that share a NATS server keep apart by their prefixes.
 */
export function busSubject(prefix: string, subject: string): string {
  return prefix ? `${prefix}.${subject}` : subject;
}
