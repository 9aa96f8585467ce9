import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { DeploymentConfig } from '@app/config';
import { DEVPORTAL_CLIENT_ID, KeyManagerPatterns, RpcErrorCodes, type TokenSetView } from '@app/contracts';
import { DEPLOYMENT_CONFIG, KeyManagerCallError, KeyManagerClient, ROOT_LOGGER } from '@app/platform';
import { TokenValidationService } from '../auth/token-validation.service.js';
import { BearerAuthError } from '../common/devportal.errors.js';
import { open, randomToken, s256, sameText, seal, sessionKeys, sha256Hex } from './session-crypto.js';

/** Where the web app's sign-in lives (beside the app at /devportal/). */
export const WEB_AUTH_BASE = '/devportal/auth';
/** A sign-in must come back from the Key Manager within this time. */
const SIGN_IN_TTL_MS = 10 * 60_000;
/** The access token is renewed this long before it expires, so a request never carries one about to lapse. */
const REFRESH_MARGIN_MS = 30_000;

export interface WebSession {
  username: string;
  accessToken: string;
  csrfToken: string;
  /** When the session ends at the latest (the refresh token's lifetime), epoch ms. */
  expiresAt: number;
}

interface SessionRow {
  username: string;
  tokens: string;
  csrf_token: string;
  access_expires_at: Date;
  expires_at: Date;
}

interface SealedTokens {
  accessToken: string;
  refreshToken: string | undefined;
}

/** Only paths of the web app may be returned to after sign-in (never another site: no open redirect). */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/devportal\/(?!\/)[^\\\s]*$/.test(value) && !value.startsWith(`${WEB_AUTH_BASE}/`) ? value : '/devportal/applications';
}

/**
 * The web app's sign-in as a backend for the browser (the BFF pattern of the IETF "OAuth 2.0 for
 * Browser-Based Applications" draft): the portal is the Key Manager's registered client, runs the
 * authorization code flow with PKCE (S256) and `state`, and keeps the tokens itself. The browser holds only
 * a random session cookie; the row it names is found by the cookie's SHA-256 and holds the tokens sealed
 * with another hash of it, so neither the table nor the cookie alone yields a token. The access token is
 * renewed through the refresh token when it is about to expire (one renewal per session at a time: the
 * refresh token rotates, and a second use would revoke the whole chain).
 */
@Injectable()
export class WebSessionService {
  private readonly logger: Logger;
  private callbackRegistered = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly keyManager: KeyManagerClient,
    private readonly tokens: TokenValidationService,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'web-session' });
  }

  /** The URL the Key Manager sends the browser back to. */
  get callbackUrl(): string {
    return `${this.config.server.publicUrl.replace(/\/+$/, '')}${WEB_AUTH_BASE}/callback`;
  }

  /** The Key Manager's address as users' browsers reach it (the origin of `[oauth] issuer`). */
  get keyManagerUrl(): string {
    return new URL(this.config.oauth.issuer).origin;
  }

  /** How long a session lasts at most: the refresh token's lifetime. */
  get sessionLifetimeSec(): number {
    return this.config.oauth.refreshTokenLifetimeSec;
  }

  /** Over https the cookies are Secure (and `__Host-` prefixed); over plain http (development) they cannot be. */
  get secureCookies(): boolean {
    return this.config.server.publicUrl.startsWith('https:');
  }

  /** Makes the portal's client accept this portal's callback (idempotent; done at start and before a sign-in until it works). */
  async registerCallback(requestId: string): Promise<void> {
    if (this.callbackRegistered) return;
    await this.keyManager.call(KeyManagerPatterns.PortalRegisterCallback, { redirectUri: this.callbackUrl }, requestId);
    this.callbackRegistered = true;
  }

  /** Starts a sign-in: where to send the browser, and the value of the cookie that binds the sign-in to this browser. */
  async startSignIn(returnTo: unknown, requestId: string): Promise<{ location: string; binding: string }> {
    await this.registerCallback(requestId);
    const state = randomToken();
    const binding = randomToken();
    const verifier = randomToken();
    await this.db.query(`DELETE FROM web_sign_ins WHERE expires_at < now()`);
    await this.db.query(`INSERT INTO web_sign_ins (state_hash, binding_hash, code_verifier, return_to, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
      sha256Hex(state),
      sha256Hex(binding),
      verifier,
      safeReturnTo(returnTo),
      new Date(Date.now() + SIGN_IN_TTL_MS),
    ]);
    const authorize = new URL('/oauth2/authorize', this.keyManagerUrl);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: DEVPORTAL_CLIENT_ID,
      redirect_uri: this.callbackUrl,
      state,
      code_challenge: s256(verifier),
      code_challenge_method: 'S256',
    }).toString();
    return { location: authorize.toString(), binding };
  }

  /**
   * Completes a sign-in: the `state` must be one this portal issued, unused, unexpired and bound to this
   * browser; the code is redeemed with its PKCE verifier. Returns the new session's cookie value, or
   * undefined (with the reason logged) when the sign-in cannot be completed.
   */
  async completeSignIn(query: { code?: unknown; state?: unknown }, binding: string | undefined, requestId: string): Promise<{ cookie: string; returnTo: string } | { failure: string }> {
    if (typeof query.state !== 'string' || typeof query.code !== 'string' || !binding) return { failure: 'incomplete' };
    const rows = returned<{ binding_hash: string; code_verifier: string; return_to: string; expires_at: Date }>(
      await this.db.query(`DELETE FROM web_sign_ins WHERE state_hash = $1 RETURNING binding_hash, code_verifier, return_to, expires_at`, [sha256Hex(query.state)]),
    );
    const pending = rows[0];
    if (!pending || pending.expires_at.getTime() < Date.now() || !sameText(pending.binding_hash, sha256Hex(binding))) return { failure: 'state' };
    const tokenSet = await this.keyManager.call(KeyManagerPatterns.UserExchangeCode, { code: query.code, redirectUri: this.callbackUrl, codeVerifier: pending.code_verifier }, requestId);
    const username = await this.tokens.authenticate(tokenSet.accessToken, requestId);
    const cookie = randomToken();
    const { id, key } = sessionKeys(cookie);
    const now = Date.now();
    await this.db.query(
      `INSERT INTO web_sessions (id, username, tokens, csrf_token, access_expires_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, username, sealTokens(key, tokenSet), randomToken(), new Date(now + tokenSet.expiresIn * 1000), new Date(now + this.config.oauth.refreshTokenLifetimeSec * 1000)],
    );
    await this.db.query(`DELETE FROM web_sessions WHERE expires_at < now()`);
    return { cookie, returnTo: pending.return_to };
  }

  /** The session a cookie names, with a usable access token (renewed when due); undefined when it has ended. */
  async resolve(cookie: string, requestId: string): Promise<WebSession | undefined> {
    const { id, key } = sessionKeys(cookie);
    const rows: SessionRow[] = await this.db.query(`SELECT username, tokens, csrf_token, access_expires_at, expires_at FROM web_sessions WHERE id = $1`, [id]);
    const stored = rows[0];
    if (!stored) return undefined;
    if (stored.expires_at.getTime() <= Date.now()) {
      await this.delete(id);
      return undefined;
    }
    const row = stored.access_expires_at.getTime() - REFRESH_MARGIN_MS <= Date.now() ? await this.renew(id, key, requestId) : stored;
    if (!row) return undefined;
    const { accessToken } = openTokens(key, row.tokens);
    try {
      await this.tokens.authenticate(accessToken, requestId);
    } catch (error) {
      // Revoked at the Key Manager (another sign-out, a refresh-token replay): the session is over.
      if (error instanceof BearerAuthError) {
        await this.delete(id);
        return undefined;
      }
      throw error;
    }
    return { username: row.username, accessToken, csrfToken: row.csrf_token, expiresAt: row.expires_at.getTime() };
  }

  /** Ends the session: its tokens are revoked at the Key Manager, then the row is gone. */
  async signOut(cookie: string, requestId: string): Promise<void> {
    const { id, key } = sessionKeys(cookie);
    const rows = returned<SessionRow>(await this.db.query(`DELETE FROM web_sessions WHERE id = $1 RETURNING username, tokens, csrf_token, access_expires_at, expires_at`, [id]));
    const row = rows[0];
    if (!row) return;
    const { accessToken, refreshToken } = openTokens(key, row.tokens);
    for (const token of [refreshToken, accessToken]) {
      if (token) await this.keyManager.call(KeyManagerPatterns.TokenRevoke, { clientId: DEVPORTAL_CLIENT_ID, token }, requestId);
    }
    this.tokens.forget(accessToken);
  }

  /** Renews the access token under a row lock; a refresh token the Key Manager refuses ends the session. */
  private async renew(id: string, key: Buffer, requestId: string): Promise<SessionRow | undefined> {
    return this.db.transaction(async (tx) => {
      const locked: SessionRow[] = await tx.query(`SELECT username, tokens, csrf_token, access_expires_at, expires_at FROM web_sessions WHERE id = $1 FOR UPDATE`, [id]);
      const row = locked[0];
      if (!row) return undefined;
      // Another request renewed it while this one waited for the lock.
      if (row.access_expires_at.getTime() - REFRESH_MARGIN_MS > Date.now()) return row;
      const { refreshToken } = openTokens(key, row.tokens);
      let tokenSet: TokenSetView;
      try {
        if (!refreshToken) throw new KeyManagerCallError(RpcErrorCodes.InvalidCredentials, 'no refresh token');
        tokenSet = await this.keyManager.call(KeyManagerPatterns.UserRefresh, { refreshToken }, requestId);
      } catch (error) {
        if (error instanceof KeyManagerCallError && error.code === RpcErrorCodes.InvalidCredentials) {
          this.logger.info({ reqId: requestId }, 'web session ended: the Key Manager refused its refresh token');
          await tx.query(`DELETE FROM web_sessions WHERE id = $1`, [id]);
          return undefined;
        }
        throw error;
      }
      const renewed: SessionRow = {
        ...row,
        tokens: sealTokens(key, { ...tokenSet, refreshToken: tokenSet.refreshToken ?? refreshToken }),
        access_expires_at: new Date(Date.now() + tokenSet.expiresIn * 1000),
      };
      await tx.query(`UPDATE web_sessions SET tokens = $2, access_expires_at = $3, refreshed_at = now() WHERE id = $1`, [id, renewed.tokens, renewed.access_expires_at]);
      return renewed;
    });
  }

  private async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM web_sessions WHERE id = $1`, [id]);
  }
}

/** The rows of a `DELETE … RETURNING` (TypeORM answers `[rows, affected]` for it, and the rows alone for a SELECT). */
function returned<T>(result: unknown): T[] {
  return Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]);
}

function sealTokens(key: Buffer, set: Pick<TokenSetView, 'accessToken' | 'refreshToken'>): string {
  return seal(key, JSON.stringify({ accessToken: set.accessToken, refreshToken: set.refreshToken } satisfies SealedTokens));
}

function openTokens(key: Buffer, sealed: string): SealedTokens {
  return JSON.parse(open(key, sealed)) as SealedTokens;
}
