import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminAuthenticator } from '../common/admin-authenticator.service.js';
import { AuthThrottle } from '../common/auth-throttle.service.js';
import { parseBasicAuthorization } from '../common/basic-credentials.util.js';
import { OAuthError } from '../common/key-manager.errors.js';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';

/** The DCR API is for the `[super_admin]` only (HTTP Basic), with failures throttled like client authentication. */
@Injectable()
export class SuperAdminGuard implements CanActivate {
  constructor(
    private readonly admin: AdminAuthenticator,
    private readonly throttle: AuthThrottle,
    private readonly metrics: KeyManagerMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const credentials = parseBasicAuthorization(typeof header === 'string' ? header : undefined);
    if (!credentials) {
      this.metrics.clientAuthFailures.inc({ reason: credentials === null ? 'malformed' : 'missing' });
      throw new OAuthError('invalid_client', 'authenticate as the super admin with HTTP Basic', { basicChallenge: true });
    }
    const keys = [`admin:${credentials.username}`, `ip:${request.ip}`];
    this.throttle.check(keys);
    if (!this.admin.verify(credentials.username, credentials.password)) {
      this.throttle.fail(keys);
      this.metrics.clientAuthFailures.inc({ reason: 'bad_secret' });
      throw new OAuthError('invalid_client', 'super admin authentication failed', { basicChallenge: true });
    }
    return true;
  }
}
