import type { ArgumentsHost } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorDto } from '../error.dto.js';

/**
 * Sends a WSO2-style error body from an exception filter. The status is the body's `code` unless given:
 * WSO2's coded errors (e.g. 900970) carry their error code in the body and an HTTP status beside it.
 */
export function sendError(host: ArgumentsHost, body: ErrorDto, headers: Record<string, string> = {}, status = body.code): void {
  const reply = host.switchToHttp().getResponse<FastifyReply>();
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
}

export function requestOf(host: ArgumentsHost): FastifyRequest {
  return host.switchToHttp().getRequest<FastifyRequest>();
}
