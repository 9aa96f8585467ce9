import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@app/platform';
import { errorBody } from '../error.dto.js';
import { sendError } from './reply.util.js';

/**
 * Everything no narrower filter claims: 500 with an error id, logged with that id. Only the error's type,
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
    const errorId = randomUUID();
    const e = exception instanceof Error ? exception : new Error(String(exception));
    const code = (e as { code?: unknown }).code;
    this.logger.error({ errorId, type: e.name, code: typeof code === 'string' ? code : undefined, stack: e.stack }, `unhandled error: ${e.message}`);
    sendError(host, errorBody(500, `Internal error (error id ${errorId}).`, { moreInfo: errorId }));
  }
}
