import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, ROOT_LOGGER } from '@app/platform';
import { errorBody } from '../error.dto.js';
import { sendError } from './reply.util.js';

/**
 * Everything no narrower filter claims: a database that cannot be reached → 503 with Retry-After; else 500 with an error id, logged with that id. Only the error's type,
 * code, message and stack are logged — not its other properties, which for a database error include the
 * query parameters (a stored secret, in plaintext when encryption is off).
 */
@Catch()
export class UnhandledErrorFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(@Inject(ROOT_LOGGER) logger: Logger) {
    this.logger = logger.child({ component: 'http-errors' });
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ type: (exception as Error).name, code: (exception as { code?: unknown }).code }, 'database not reachable: answered 503');
      return sendError(host, errorBody(503, 'The service is temporarily unavailable: try again shortly.'), { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
    }
    const errorId = randomUUID();
    const e = exception instanceof Error ? exception : new Error(String(exception));
    const code = (e as { code?: unknown }).code;
    this.logger.error({ errorId, type: e.name, code: typeof code === 'string' ? code : undefined, stack: e.stack }, `unhandled error: ${e.message}`);
    sendError(host, errorBody(500, `Internal error (error id ${errorId}).`, { moreInfo: errorId }));
  }
}
