import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling, as the bearer guard established it, and the request id to pass to the Key Manager. */
export interface Caller {
  username: string;
  requestId: string;
}

/** Where the guard leaves the authenticated user on the request. */
export const CALLER_USERNAME = Symbol('devportal.caller');

export type AuthenticatedRequest = FastifyRequest & { [CALLER_USERNAME]?: string };

/** The authenticated {@link Caller}; only on routes behind {@link BearerAuthGuard}. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  const username = request[CALLER_USERNAME];
  if (!username) throw new Error('CurrentCaller used on a route without BearerAuthGuard');
  return { username, requestId: request.id };
});

/** The request id (X-Request-Id in and out), for routes without a caller. */
export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => ctx.switchToHttp().getRequest<FastifyRequest>().id);
