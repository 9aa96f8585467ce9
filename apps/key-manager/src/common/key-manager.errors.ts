/**
 * Domain errors of the Key Manager. Each carries a stable code and a message that is safe to show (it never
 * holds a token, secret, password or code); every edge (OAuth2 JSON, DCR JSON, NATS replies) maps codes,
 * never messages.
 */

/**
 * RFC 6749 §5.2 error codes, plus those of the authorization endpoint (`unsupported_response_type`,
 * `access_denied`, OIDC Core §3.1.2.6 `login_required`, `request_not_supported`, `request_uri_not_supported`),
 * RFC 8628 §3.5 (device polling) and RFC 8693 §2.2.2 (`invalid_target`).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'login_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'invalid_target';

/** An OAuth2 protocol error: what `/oauth2/*` answers as `{error, error_description}`. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';

  /** invalid_client only: the client authenticated with HTTP Basic, so the 401 carries a challenge. */
  readonly basicChallenge: boolean;
  /** When the RFC's default status does not fit (415 for a body that is not a form). */
  readonly status: number | undefined;

  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    options: { basicChallenge?: boolean; status?: number } = {},
  ) {
    super(message);
    this.basicChallenge = options.basicChallenge ?? false;
    this.status = options.status;
  }
}

/** RFC 6750 §3.1: why a bearer token was not accepted at a protected resource (the userinfo endpoint). */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

const BEARER_STATUS: Record<BearerErrorCode, number> = { invalid_request: 400, invalid_token: 401, insufficient_scope: 403 };

/**
 * A refused bearer token: 400, 401 or 403 with `{error, error_description}` and
 * `WWW-Authenticate: Bearer error="<code>"`, as WSO2's userinfo endpoint answers (OpenIDConnectUserEndpoint).
 */
export class BearerError extends Error {
  override readonly name = 'BearerError';
  readonly status: number;

  constructor(
    readonly code: BearerErrorCode,
    message: string,
  ) {
    super(message);
    this.status = BEARER_STATUS[code];
  }
}

/**
 * An attempt held by the authentication throttle: 429 with `Retry-After`. `credential` says what was being
 * checked (a user's password answers `invalid_grant` at the token endpoint, a client's secret `invalid_client`).
 */
export class AuthThrottledError extends Error {
  override readonly name = 'AuthThrottledError';
  readonly code = 'THROTTLED';

  constructor(
    readonly retryAfterSec: number,
    readonly credential: 'user' | 'client' | 'admin' | 'user_code' = 'client',
  ) {
    super(`too many failed authentication attempts; retry in ${retryAfterSec} seconds`);
  }
}

export type KeyManagerErrorCode =
  | 'CLIENT_NOT_FOUND'
  | 'USER_EXISTS'
  | 'WEAK_PASSWORD'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_CLIENT_METADATA'
  | 'INVALID_REDIRECT_URI'
  | 'INVALID_REQUEST'
  /** No consumer secret with that id among the client's. */
  | 'CLIENT_SECRET_NOT_FOUND'
  /** A stored secret had to be revealed and could not be decrypted (wrong or missing key, damaged value). */
  | 'STORED_SECRET_UNREADABLE';

/** A failure of the Key Manager's own operations (clients, users, stored secrets). */
export class KeyManagerError extends Error {
  override readonly name = 'KeyManagerError';

  constructor(
    readonly code: KeyManagerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
