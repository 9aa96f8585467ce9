import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminAuthenticator } from '../common/admin-authenticator.service.js';
import { parseBasicAuthorization } from '../common/basic-credentials.util.js';
import { AuthThrottledError, OAuthError } from '../common/key-manager.errors.js';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';

/** The DCR API is for the `[super_admin]` only (HTTP Basic), under the authentication throttle. */
@Injectable()
export class SuperAdminGuard implements CanActivate {
  constructor(
    private readonly admin: AdminAuthenticator,
    private readonly metrics: KeyManagerMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const credentials = parseBasicAuthorization(typeof header === 'string' ? header : undefined);
    if (!credentials) {
      this.metrics.clientAuthFailures.inc({ reason: credentials === null ? 'malformed' : 'missing' });
      throw new OAuthError('invalid_client', 'authenticate as the super admin with HTTP Basic', { basicChallenge: true });
    }
    let ok: boolean;
    try {
      ok = await this.admin.authenticate(credentials.username, credentials.password, request.ip);
    } catch (error) {
      if (error instanceof AuthThrottledError) this.metrics.clientAuthFailures.inc({ reason: 'throttled' });
      throw error;
    }
    if (!ok) {
      this.metrics.clientAuthFailures.inc({ reason: 'bad_secret' });
      throw new OAuthError('invalid_client', 'super admin authentication failed', { basicChallenge: true });
    }
    return true;
  }
}
