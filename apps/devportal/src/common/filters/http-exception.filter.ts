import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { pathOf } from '@app/platform';
import { isApiPath } from '../api-base.js';
import { errorBody } from '../error.dto.js';
import { requestOf, sendError } from './reply.util.js';

// Fastify's own request errors (body parsing, size, media type), described without echoing the request.
const FASTIFY_DESCRIPTIONS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty, but Content-Type says application/json.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: send application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length header does not match the body.',
};

/**
 * Nest's and Fastify's HTTP exceptions (unknown routes, body parsing errors, Terminus's 503). On the
 * portal API they become WSO2-style errors; elsewhere (health, metrics) the body Nest built is kept.
 */
@Catch(HttpException)
export class HttpExceptionFilter implements ExceptionFilter<HttpException> {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const request = requestOf(host);
    const status = exception.getStatus();
    const path = pathOf(request.url);
    if (!isApiPath(path)) {
      const response = exception.getResponse();
      const reply = host.switchToHttp().getResponse<FastifyReply>();
      void reply.status(status).send(typeof response === 'object' ? response : { statusCode: status, message: response });
      return;
    }
    const cause = exception.cause as { code?: unknown } | undefined;
    const fastifyCode = typeof cause?.code === 'string' ? cause.code : undefined;
    let description: string;
    if (fastifyCode && FASTIFY_DESCRIPTIONS[fastifyCode]) description = FASTIFY_DESCRIPTIONS[fastifyCode];
    else if (exception instanceof NotFoundException) description = `No resource at ${request.method} ${path}.`;
    else description = status >= 500 ? 'The request could not be handled.' : exception.message;
    sendError(host, errorBody(status, description));
  }
}
