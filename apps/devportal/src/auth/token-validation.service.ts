import { Inject, Injectable } from '@nestjs/common';
import type { DeploymentConfig } from '@app/config';
import { DEVPORTAL_CLIENT_ID, KeyManagerPatterns } from '@app/contracts';
import { DEPLOYMENT_CONFIG, KeyManagerClient } from '@app/platform';
import { BearerAuthError } from '../common/devportal.errors.js';
import { TokenCache } from './token-cache.js';

/**
 * Checks a bearer token with the Key Manager (`km.tokens.validate`) and caches the answer per token hash
 * for `[devportal] token_cache_ttl` seconds. Only the portal's own log-in tokens are accepted: a user
 * token issued to another client (some application the user signed in to), or an application's
 * client_credentials token (no user), does not open the portal.
 */
@Injectable()
export class TokenValidationService {
  private readonly cache: TokenCache;

  constructor(
    private readonly keyManager: KeyManagerClient,
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
  ) {
    this.cache = new TokenCache(config.devportal.tokenCacheTtlSec * 1000);
  }

  /** The user the token belongs to; throws {@link BearerAuthError} when it is not an active user token. */
  async authenticate(token: string, requestId: string): Promise<string> {
    const key = TokenCache.keyOf(token);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const result = await this.keyManager.call(KeyManagerPatterns.TokenValidate, { token }, requestId);
    if (!result.active || !result.username || result.clientId !== DEVPORTAL_CLIENT_ID) {
      throw new BearerAuthError('INVALID_ACCESS_TOKEN', 'The access token is not valid: it is unknown, expired or revoked.');
    }
    this.cache.set(key, result.username, result.expiresAt);
    return result.username;
  }

  /** Stops accepting the token on this instance at once (other instances: within their cache TTL). */
  forget(token: string): void {
    this.cache.delete(TokenCache.keyOf(token));
  }
}
