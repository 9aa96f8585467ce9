import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, ROOT_LOGGER } from '@app/platform';
import { errorBody } from '../error.dto.js';
import { sendError } from './reply.util.js';

/**
 * Everything no narrower filter claims: a database that cannot be reached → 503 with Retry-After; else 500 with an error id, logged with that id. The error goes
 * through the root logger's `err` serializer (`serializeError`): its class, code, message and stack, never
 * the query parameters a database error carries (a stored secret, in plaintext when encryption is off).
 */
@Catch()
export class UnhandledErrorFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(@Inject(ROOT_LOGGER) logger: Logger) {
    this.logger = logger.child({ component: 'http-errors' });
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: exception }, 'database not reachable: answered 503');
      return sendError(host, errorBody(503, 'The service is temporarily unavailable: try again shortly.'), { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception }, 'unhandled error');
    sendError(host, errorBody(500, `Internal error (error id ${errorId}).`, { moreInfo: errorId }));
  }
}
