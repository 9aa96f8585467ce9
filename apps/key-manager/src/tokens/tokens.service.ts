import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { SecretKinds } from '@app/crypto';
import { DEVICE_CODE_GRANT, type GrantType } from '@app/contracts';
import { EncryptionService, ROOT_LOGGER } from '@app/platform';
import { OAuthError } from '../common/key-manager.errors.js';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';
import { AuthorizationCodesRepository } from '../persistence/authorization-codes.repository.js';
import { DeviceAuthorizationsRepository } from '../persistence/device-authorizations.repository.js';
import type { ClientRecord } from '../persistence/clients.repository.js';
import { TokensRepository } from '../persistence/tokens.repository.js';
import { UsersService } from '../users/users.service.js';
import { FreshSecrets } from './fresh-secrets.service.js';
import { IdTokenService, OPENID_SCOPE } from './id-token.service.js';
import { formatScopes, splitScopes } from './scopes.util.js';
import { refreshTokenActive, TokenLookup } from './token-lookup.service.js';
import { TokenMinter, type IssuedTokens, type MintRequest } from './token-minter.service.js';
import { PLAIN_PREFIX } from './pkce.util.js';

// RFC 7636 §4.1: code_verifier = 43*128unreserved
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** What a user grant knows beyond the user: how and when they authenticated. */
export interface UserGrantContext {
  /** Epoch seconds: when the user signed in (the ID token's `auth_time`), kept along refreshes. */
  authTime?: number | null;
  authorizationCodeId?: string;
  /** The authorization request's nonce and the redeemed code (authorization code grant). */
  nonce?: string | null;
  code?: string;
  /** Caps the access token's lifetime (token exchange: never longer than the subject token). */
  maxLifetimeSec?: number;
  /** false: no refresh token even when the client has the refresh_token grant. */
  refreshable?: boolean;
}

function requireGrant(client: ClientRecord, grant: GrantType): void {
  if (!client.grantTypes.includes(grant)) throw new OAuthError('unauthorized_client', `the client is not allowed to use the ${grant} grant`);
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The grants, revocation and the state changes behind them. Every secret is checked by hash, every token
 * is committed before it is returned, and every chain (one original grant and its refreshes) can be revoked
 * as a whole.
 */
@Injectable()
export class TokensService {
  private readonly logger: Logger;

  constructor(
    private readonly minter: TokenMinter,
    private readonly tokens: TokensRepository,
    private readonly codes: AuthorizationCodesRepository,
    private readonly devices: DeviceAuthorizationsRepository,
    private readonly lookup: TokenLookup,
    private readonly users: UsersService,
    private readonly encryption: EncryptionService,
    private readonly metrics: KeyManagerMetrics,
    private readonly secrets: FreshSecrets,
    private readonly idTokens: IdTokenService,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'tokens' });
  }

  /** client_credentials: an application token for the client itself (no refresh token, RFC 6749 §4.4.3). */
  async clientCredentials(client: ClientRecord, scopes: string[], lifetimeSec?: number): Promise<IssuedTokens> {
    requireGrant(client, 'client_credentials');
    return this.issue({
      client,
      grantType: 'client_credentials',
      username: null,
      scopes,
      accessLifetimeSec: lifetimeSec ?? client.applicationTokenLifetime,
      refreshLifetimeSec: null,
    });
  }

  /**
   * password: checks the user's password (under the authentication throttle, as every password check), then
   * a user token (and a refresh token when the client may refresh). `address`: the caller's.
   */
  async password(client: ClientRecord, username: string, password: string, scopes: string[], address: string): Promise<IssuedTokens> {
    requireGrant(client, 'password');
    const user = await this.users.verify(username, password, address);
    if (!user) throw new OAuthError('invalid_grant', 'invalid username or password');
    return this.issueForUser(client, 'password', user.username, scopes, { authTime: Math.floor(Date.now() / 1000) });
  }

  /**
   * A user token set for a user already authenticated (the portal's log-in over NATS uses this too), with an
   * ID token when `openid` is among the scopes.
   */
  async issueForUser(client: ClientRecord, grantType: GrantType, username: string, scopes: string[], context: UserGrantContext = {}): Promise<IssuedTokens> {
    const issued = await this.issue({
      client,
      grantType,
      username,
      scopes,
      accessLifetimeSec: Math.min(client.userTokenLifetime, context.maxLifetimeSec ?? Infinity),
      refreshLifetimeSec: client.grantTypes.includes('refresh_token') && context.refreshable !== false ? client.refreshTokenLifetime : null,
      authTime: context.authTime ?? null,
      ...(context.authorizationCodeId ? { authorizationCodeId: context.authorizationCodeId } : {}),
    });
    return this.withIdToken(client, username, issued, context);
  }

  /**
   * refresh_token: rotates. The presented refresh token and its access token stop working, a new pair is
   * issued in the same chain. Presenting a refresh token that was already rotated means two parties hold
   * it: the whole chain is revoked and the request fails.
   */
  async refresh(client: ClientRecord, refreshToken: string, requestedScopes: string[] | undefined): Promise<IssuedTokens> {
    requireGrant(client, 'refresh_token');
    const found = await this.lookup.find(refreshToken);
    if (!found || found.kind !== 'refresh' || found.record.clientId !== client.clientId) {
      throw new OAuthError('invalid_grant', 'the refresh token is invalid, expired or revoked');
    }
    const old = found.record;
    if (old.state === 'INACTIVE') {
      const revoked = await this.tokens.revokeFamily(old.familyId);
      this.logger.warn({ clientId: client.clientId, family: old.familyId, revoked }, 'rotated refresh token presented again: chain revoked');
      throw new OAuthError('invalid_grant', 'the refresh token was already used');
    }
    const now = Math.floor(Date.now() / 1000);
    if (!refreshTokenActive(old, now)) throw new OAuthError('invalid_grant', 'the refresh token is invalid, expired or revoked');
    const granted = splitScopes(old.scopes);
    let scopes = granted;
    if (requestedScopes !== undefined && requestedScopes.length > 0) {
      const extra = requestedScopes.filter((s) => !granted.includes(s));
      if (extra.length > 0) throw new OAuthError('invalid_scope', 'a refresh may only narrow the scopes originally granted');
      scopes = requestedScopes;
    }
    const minted = await this.minter.mint({
      client,
      grantType: 'refresh_token',
      username: old.username,
      scopes,
      accessLifetimeSec: old.username === null ? client.applicationTokenLifetime : client.userTokenLifetime,
      refreshLifetimeSec: client.refreshTokenLifetime,
      familyId: old.familyId,
      parentId: old.id,
      authTime: old.authTime,
    });
    if (!(await this.tokens.rotate(old.id, minted.row))) {
      // Someone else rotated it between our read and our update: the same reuse, seen a moment later.
      const revoked = await this.tokens.revokeFamily(old.familyId);
      this.logger.warn({ clientId: client.clientId, family: old.familyId, revoked }, 'concurrent use of one refresh token: chain revoked');
      throw new OAuthError('invalid_grant', 'the refresh token was already used');
    }
    this.metrics.tokensIssued.inc({ grant_type: 'refresh_token', token_type: client.tokenType });
    // OIDC Core §12.2: the same identity (iss, sub, aud, azp, auth_time) in a new ID token; no nonce.
    return old.username === null ? minted.issued : this.withIdToken(client, old.username, minted.issued, { authTime: old.authTime });
  }

  /**
   * authorization_code: redeems a code once (atomically), checks its binding to the client and redirect
   * URI and the PKCE verifier. A code presented again revokes every token issued from it.
   */
  async authorizationCode(
    client: ClientRecord,
    code: string,
    redirectUri: string | undefined,
    codeVerifier: string | undefined,
  ): Promise<IssuedTokens> {
    requireGrant(client, 'authorization_code');
    const hash = this.encryption.processor.lookupHash(code);
    const redeemed = await this.codes.consume(hash, client.clientId);
    if (!redeemed) {
      const known = await this.codes.findByHash(hash);
      if (known?.used && known.clientId === client.clientId) {
        const revoked = await this.tokens.revokeIssuedFromCode(known.id);
        this.logger.warn({ clientId: client.clientId, codeId: known.id, revoked }, 'authorization code replayed: tokens issued from it revoked');
      }
      throw new OAuthError('invalid_grant', 'the authorization code is invalid, expired or already used');
    }
    if (redeemed.expiresAt <= Math.floor(Date.now() / 1000)) throw new OAuthError('invalid_grant', 'the authorization code has expired');
    const redirectMatches = redeemed.redirectUriInRequest
      ? redirectUri === redeemed.redirectUri
      : redirectUri === undefined || redirectUri === redeemed.redirectUri;
    if (!redirectMatches) throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
    if (redeemed.codeChallenge !== null) {
      if (codeVerifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required (PKCE)');
      // A `plain:` challenge (an application with WSO2's pkceSupportPlain) is the verifier itself (RFC 7636 §4.6).
      const expected = redeemed.codeChallenge.startsWith(PLAIN_PREFIX) ? redeemed.codeChallenge.slice(PLAIN_PREFIX.length) : undefined;
      const computed = expected === undefined ? s256(codeVerifier) : codeVerifier;
      if (!CODE_VERIFIER.test(codeVerifier) || !sameText(computed, expected ?? redeemed.codeChallenge)) {
        throw new OAuthError('invalid_grant', 'code_verifier does not match the code challenge');
      }
    } else if (codeVerifier !== undefined) {
      throw new OAuthError('invalid_grant', 'code_verifier sent but the authorization request had no code_challenge');
    }
    return this.issueForUser(client, 'authorization_code', redeemed.username, splitScopes(redeemed.scopes), {
      authorizationCodeId: redeemed.id,
      authTime: redeemed.authTime,
      nonce: redeemed.nonce,
      code,
    });
  }

  /**
   * RFC 8628 §3.4: the device polls with its device code. Answers, with WSO2's codes and descriptions
   * (DeviceFlowGrant, DeviceErrorCodes): `authorization_pending` until the user decides, `slow_down` when
   * polled again within the interval, `access_denied` when the user denied, `expired_token` once expired or
   * redeemed, and `invalid_request` for a device code that is not this client's. Approved: the user's tokens,
   * once.
   */
  async deviceCode(client: ClientRecord, deviceCode: string): Promise<IssuedTokens> {
    requireGrant(client, DEVICE_CODE_GRANT);
    const polled = await this.devices.poll(this.encryption.processor.lookupHash(deviceCode), client.clientId);
    if (!polled) throw new OAuthError('invalid_request', 'The provided device code is not registered or is invalid.');
    const { authorization, previousPollAt } = polled;
    const now = Date.now() / 1000;
    if (authorization.status === 'USED' || authorization.expiresAt <= now) throw new OAuthError('expired_token', 'Forbidden');
    if (authorization.status === 'DENIED') throw new OAuthError('access_denied', 'the user denied the authorization request');
    if (previousPollAt !== null && now - previousPollAt < authorization.pollingInterval) throw new OAuthError('slow_down', 'Forbidden');
    if (authorization.status === 'PENDING') throw new OAuthError('authorization_pending', 'Precondition required');
    if (!(await this.devices.consume(authorization.id))) throw new OAuthError('expired_token', 'Forbidden');
    return this.issueForUser(client, DEVICE_CODE_GRANT, authorization.username!, splitScopes(authorization.scopes), { authTime: authorization.authTime });
  }

  /**
   * RFC 7009: revokes the token's row (the access token and the refresh token issued with it) when it
   * belongs to this client. Unknown tokens and other clients' tokens are ignored (false), as the RFC wants.
   */
  async revoke(clientId: string, token: string): Promise<boolean> {
    const found = await this.lookup.find(token);
    if (!found || found.record.clientId !== clientId) return false;
    return this.tokens.revoke(found.record.id);
  }

  revokeAll(clientId: string): Promise<number> {
    return this.tokens.revokeAllOfClient(clientId);
  }

  /** Creates and stores a code for the login form; returns the code to put in the redirect. */
  async createAuthorizationCode(input: {
    client: ClientRecord;
    username: string;
    redirectUri: string;
    redirectUriInRequest: boolean;
    scopes: string[];
    codeChallenge: string | null;
    nonce: string | null;
    /** Epoch seconds: when the user signed in. */
    authTime: number;
    lifetimeSec: number;
  }): Promise<string> {
    const code = this.secrets.next(SecretKinds.AuthorizationCode);
    const now = Math.floor(Date.now() / 1000);
    await this.codes.insert({
      id: randomUUID(),
      code: code.protected,
      clientId: input.client.clientId,
      username: input.username,
      redirectUri: input.redirectUri,
      redirectUriInRequest: input.redirectUriInRequest,
      scopes: formatScopes(input.scopes),
      codeChallenge: input.codeChallenge,
      nonce: input.nonce,
      authTime: input.authTime,
      issuedAt: now,
      expiresAt: now + input.lifetimeSec,
    });
    return code.secret;
  }

  /** Adds an ID token when `openid` was granted (OIDC Core §3.1.3.3); the response is unchanged otherwise. */
  private async withIdToken(client: ClientRecord, username: string, issued: IssuedTokens, context: UserGrantContext): Promise<IssuedTokens> {
    if (!issued.scopes.includes(OPENID_SCOPE)) return issued;
    const idToken = await this.idTokens.issue({
      clientId: client.clientId,
      username,
      accessToken: issued.accessToken,
      authTime: context.authTime ?? null,
      ...(context.nonce ? { nonce: context.nonce } : {}),
      ...(context.code !== undefined ? { code: context.code } : {}),
    });
    return { ...issued, idToken };
  }

  private async issue(request: MintRequest): Promise<IssuedTokens> {
    const minted = await this.minter.mint(request);
    await this.tokens.insert(minted.row);
    this.metrics.tokensIssued.inc({ grant_type: request.grantType, token_type: request.client.tokenType });
    return minted.issued;
  }
}
