import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { DeploymentConfig } from '@app/config';
import { BusEvents, DEVPORTAL_CLIENT_ID, KeyManagerPatterns, type PortalSessionsEndedEvent } from '@app/contracts';
import { BusConnection, DEPLOYMENT_CONFIG, KeyManagerClient } from '@app/platform';
import { BearerAuthError } from '../common/devportal.errors.js';
import { TokenCache } from './token-cache.js';

/**
 * Checks a bearer token with the Key Manager (`km.tokens.validate`) and caches the answer per token hash
 * for `[devportal] token_cache_ttl` seconds. Only the portal's own log-in tokens are accepted: a user
 * token issued to another client (some application the user signed in to), or an application's
 * client_credentials token (no user), does not open the portal.
 *
 * The cache is shared knowledge in effect: when the Key Manager ends portal tokens (log-out at any
 * instance, revocation, refresh), it announces their users ({@link BusEvents.PortalSessionsEnded}) and
 * every instance forgets those users' cached tokens at once; after a reconnection to NATS, which may have
 * cost announcements, an instance forgets everything.
 */
@Injectable()
export class TokenValidationService implements OnApplicationBootstrap {
  private readonly cache: TokenCache;

  constructor(
    private readonly keyManager: KeyManagerClient,
    private readonly bus: BusConnection,
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
  ) {
    this.cache = new TokenCache(config.devportal.tokenCacheTtlSec * 1000);
  }

  onApplicationBootstrap(): void {
    this.bus.listen(
      BusEvents.PortalSessionsEnded,
      (payload) => {
        const usernames = (payload as Partial<PortalSessionsEndedEvent> | null)?.usernames;
        if (Array.isArray(usernames)) this.cache.forgetUsers(usernames.filter((u): u is string => typeof u === 'string'));
      },
      () => this.cache.clear(),
    );
  }

  /** The user the token belongs to; throws {@link BearerAuthError} when it is not an active user token. */
  async authenticate(token: string, requestId: string): Promise<string> {
    const key = TokenCache.keyOf(token);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const generation = this.cache.generation();
    const result = await this.keyManager.call(KeyManagerPatterns.TokenValidate, { token }, requestId);
    if (!result.active || !result.username || result.clientId !== DEVPORTAL_CLIENT_ID) {
      throw new BearerAuthError('INVALID_ACCESS_TOKEN', 'The access token is not valid: it is unknown, expired or revoked.');
    }
    this.cache.set(key, result.username, result.expiresAt, generation);
    return result.username;
  }

  /** Stops accepting the token on this instance at once (the others hear it from the Key Manager). */
  forget(token: string): void {
    this.cache.delete(TokenCache.keyOf(token));
  }
}
