import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { SecretKinds } from '@app/crypto';
import type { GrantType } from '@app/contracts';
import { EncryptionService, ROOT_LOGGER } from '@app/platform';
import { OAuthError } from '../common/key-manager.errors.js';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';
import { AuthorizationCodesRepository } from '../persistence/authorization-codes.repository.js';
import type { ClientRecord } from '../persistence/clients.repository.js';
import { TokensRepository } from '../persistence/tokens.repository.js';
import { UsersService } from '../users/users.service.js';
import { FreshSecrets } from './fresh-secrets.service.js';
import { formatScopes, splitScopes } from './scopes.util.js';
import { refreshTokenActive, TokenLookup } from './token-lookup.service.js';
import { TokenMinter, type IssuedTokens, type MintRequest } from './token-minter.service.js';

// RFC 7636 §4.1: code_verifier = 43*128unreserved
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

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
    private readonly lookup: TokenLookup,
    private readonly users: UsersService,
    private readonly encryption: EncryptionService,
    private readonly metrics: KeyManagerMetrics,
    private readonly secrets: FreshSecrets,
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

  /** password: checks the user's password, then a user token (and a refresh token when the client may refresh). */
  async password(client: ClientRecord, username: string, password: string, scopes: string[]): Promise<IssuedTokens> {
    requireGrant(client, 'password');
    const user = await this.users.verify(username, password);
    if (!user) throw new OAuthError('invalid_grant', 'invalid username or password');
    return this.issueForUser(client, 'password', user.username, scopes);
  }

  /** A user token set for a user already authenticated (the portal's log-in over NATS uses this too). */
  issueForUser(client: ClientRecord, grantType: GrantType, username: string, scopes: string[], authorizationCodeId?: string): Promise<IssuedTokens> {
    return this.issue({
      client,
      grantType,
      username,
      scopes,
      accessLifetimeSec: client.userTokenLifetime,
      refreshLifetimeSec: client.grantTypes.includes('refresh_token') ? client.refreshTokenLifetime : null,
      ...(authorizationCodeId ? { authorizationCodeId } : {}),
    });
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
    });
    if (!(await this.tokens.rotate(old.id, minted.row))) {
      // Someone else rotated it between our read and our update: the same reuse, seen a moment later.
      const revoked = await this.tokens.revokeFamily(old.familyId);
      this.logger.warn({ clientId: client.clientId, family: old.familyId, revoked }, 'concurrent use of one refresh token: chain revoked');
      throw new OAuthError('invalid_grant', 'the refresh token was already used');
    }
    this.metrics.tokensIssued.inc({ grant_type: 'refresh_token', token_type: client.tokenType });
    return minted.issued;
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
      if (!CODE_VERIFIER.test(codeVerifier) || !sameText(s256(codeVerifier), redeemed.codeChallenge)) {
        throw new OAuthError('invalid_grant', 'code_verifier does not match the code challenge');
      }
    } else if (codeVerifier !== undefined) {
      throw new OAuthError('invalid_grant', 'code_verifier sent but the authorization request had no code_challenge');
    }
    return this.issueForUser(client, 'authorization_code', redeemed.username, splitScopes(redeemed.scopes), redeemed.id);
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
      issuedAt: now,
      expiresAt: now + input.lifetimeSec,
    });
    return code.secret;
  }

  private async issue(request: MintRequest): Promise<IssuedTokens> {
    const minted = await this.minter.mint(request);
    await this.tokens.insert(minted.row);
    this.metrics.tokensIssued.inc({ grant_type: request.grantType, token_type: request.client.tokenType });
    return minted.issued;
  }
}
