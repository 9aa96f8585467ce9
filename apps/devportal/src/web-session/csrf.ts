import { ForbiddenException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { sameText } from './session-crypto.js';

/** Methods that change nothing need no CSRF token. */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/**
 * A request authenticated by the session cookie that changes something must carry the session's CSRF
 * token in `X-CSRF-Token` (which a page of another site can neither read nor send cross-origin without
 * CORS, and the portal allows no cross-origin requests). SameSite=Lax on the cookie is the second wall.
 */
export function requireCsrfToken(request: FastifyRequest, expected: string): void {
  const given = request.headers['x-csrf-token'];
  if (typeof given !== 'string' || !sameText(given, expected)) {
    throw new ForbiddenException('The request is missing the CSRF token of your session (X-CSRF-Token): reload the page.');
  }
}
