import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { BearerAuthError } from '../common/devportal.errors.js';
import { CALLER_USERNAME, type AuthenticatedRequest } from './caller.js';
import { requireCsrfToken, isSafeMethod } from '../web-session/csrf.js';
import { cookieNames, readCookie } from '../web-session/session-cookie.js';
import { WebSessionService } from '../web-session/web-session.service.js';
import { TokenValidationService } from './token-validation.service.js';

// RFC 6750 §2.1: "Bearer" (any case), one space, a b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token of an `Authorization: Bearer` header; undefined without the header; throws
 * {@link BearerAuthError} for a header that is not a bearer token.
 */
export function bearerTokenOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = BEARER.exec(header);
  if (!match || match[1]!.length > 8192) throw new BearerAuthError('INVALID_ACCESS_TOKEN', 'The Authorization header is not a bearer token.');
  return match[1]!;
}

/**
 * Requires `Authorization: Bearer <token>` with a token the Key Manager says is an active user token —
 * or, from the web app, the session cookie of a live web session (see web-session.service.ts), with the
 * session's CSRF token on every request that changes something. A bearer header wins over a cookie.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenValidationService,
    private readonly sessions: WebSessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request.headers.authorization);
    if (token) {
      request[CALLER_USERNAME] = await this.tokens.authenticate(token, request.id);
      return true;
    }
    const cookie = readCookie(request.headers.cookie, cookieNames(this.sessions.secureCookies).session);
    if (cookie) {
      const session = await this.sessions.resolve(cookie, request.id);
      if (!session) throw new BearerAuthError('AUTHENTICATION_REQUIRED', 'Your session has ended: sign in again.');
      if (!isSafeMethod(request.method)) requireCsrfToken(request, session.csrfToken);
      request[CALLER_USERNAME] = session.username;
      return true;
    }
    throw new BearerAuthError('AUTHENTICATION_REQUIRED', 'Authentication required: send Authorization: Bearer <access token> (from POST /login).');
  }
}
