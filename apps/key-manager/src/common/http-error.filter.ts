import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, JsonTooDeepError, pathOf, RefusedInputError } from '@app/platform';
import { AuthThrottledError, BearerError, KeyManagerError, OAuthError } from './key-manager.errors.js';

const OAUTH_STATUS: Record<string, number> = { invalid_client: 401 };

const KEY_MANAGER_STATUS: Record<string, number> = {
  CLIENT_NOT_FOUND: 404,
  INVALID_CLIENT_METADATA: 400,
  INVALID_REDIRECT_URI: 400,
  INVALID_REQUEST: 400,
  USER_EXISTS: 409,
  WEAK_PASSWORD: 400,
  INVALID_CREDENTIALS: 401,
};

/** What a framework error (body parser, routing) means, in words that never quote the request. */
const FRAMEWORK_DESCRIPTION: Record<number, string> = {
  400: 'the request is malformed',
  404: 'no such endpoint',
  405: 'method not allowed',
  413: 'the request body is too large',
  415: 'unsupported content type',
};

interface ErrorBody {
  error: string;
  error_description: string;
  error_id?: string;
}

/**
 * The HTTP edge of every error. OAuth2 and DCR paths answer `{error, error_description}` (RFC 6749 §5.2,
 * RFC 7591 §3.2.2) whatever went wrong — including Fastify's own body-parser errors, which Nest routes
 * here through its exception layer. Anything unexpected is a 500 with an error id, logged with that id;
 * no response ever carries a stack, and no message ever quotes a request.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const path = pathOf(request.url);
    const dcr = path.startsWith('/keymanager-operations/');

    if (exception instanceof OAuthError) {
      const status = exception.status ?? OAUTH_STATUS[exception.code] ?? 400;
      if (exception.code === 'invalid_client' && exception.basicChallenge) reply.header('WWW-Authenticate', 'Basic realm="key-manager"');
      return this.send(reply, status, { error: exception.code, error_description: exception.message });
    }
    if (exception instanceof BearerError) {
      reply.header('WWW-Authenticate', `Bearer error="${exception.code}"`);
      return this.send(reply, exception.status, { error: exception.code, error_description: exception.message });
    }
    if (exception instanceof AuthThrottledError) {
      reply.header('Retry-After', String(exception.retryAfterSec));
      const error = dcr ? 'access_denied' : exception.credential === 'user' || exception.credential === 'user_code' ? 'invalid_grant' : 'invalid_client';
      return this.send(reply, 429, { error, error_description: exception.message });
    }
    if (exception instanceof KeyManagerError && exception.code !== 'STORED_SECRET_UNREADABLE') {
      const status = KEY_MANAGER_STATUS[exception.code] ?? 400;
      return this.send(reply, status, { error: this.keyManagerErrorName(exception), error_description: exception.message });
    }
    if (exception instanceof RefusedInputError) {
      // Refused at the edge (NUL or control characters): a client's credential is invalid_client (401), a
      // user's an invalid_grant as a wrong password would be; anything else is a malformed request.
      const credential = exception.credential;
      if (credential === 'client') {
        if (exception.part === 'authorization') reply.header('WWW-Authenticate', 'Basic realm="key-manager"');
        return this.send(reply, 401, { error: 'invalid_client', error_description: exception.message });
      }
      return this.send(reply, 400, { error: credential === 'user' ? 'invalid_grant' : dcr && exception.part === 'body' ? 'invalid_client_metadata' : 'invalid_request', error_description: exception.message });
    }
    if (exception instanceof JsonTooDeepError) {
      return this.send(reply, 400, { error: dcr ? 'invalid_client_metadata' : 'invalid_request', error_description: exception.message });
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      const description = FRAMEWORK_DESCRIPTION[status] ?? 'the request cannot be handled';
      if (status === 401 && dcr) reply.header('WWW-Authenticate', 'Basic realm="key-manager"');
      const error = status === 401 ? 'invalid_client' : status === 404 && !dcr ? 'not_found' : dcr ? 'invalid_client_metadata' : 'invalid_request';
      return this.send(reply, status, { error, error_description: description });
    }

    if (exception instanceof HttpException && exception.getStatus() === 503) {
      return this.send(reply, 503, { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable: try again shortly' });
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ method: request.method, path, err: exception }, 'database not reachable: answered 503');
      reply.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return this.send(reply, 503, { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable: try again shortly' });
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, method: request.method, path, err: exception }, 'unhandled error');
    this.send(reply, 500, { error: 'server_error', error_description: `internal error (error id ${errorId})`, error_id: errorId });
  }

  private keyManagerErrorName(error: KeyManagerError): string {
    switch (error.code) {
      case 'INVALID_REDIRECT_URI':
        return 'invalid_redirect_uri';
      case 'INVALID_CLIENT_METADATA':
        return 'invalid_client_metadata';
      case 'CLIENT_NOT_FOUND':
        return 'not_found';
      case 'INVALID_CREDENTIALS':
        return 'invalid_client';
      default:
        return 'invalid_request';
    }
  }

  private send(reply: FastifyReply, status: number, body: ErrorBody): void {
    if (reply.sent) return;
    void reply.code(status).header('Cache-Control', 'no-store').header('Content-Type', 'application/json; charset=utf-8').send(body);
  }
}
