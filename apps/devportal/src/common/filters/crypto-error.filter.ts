import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CryptoError } from '@app/crypto';
import { ROOT_LOGGER } from '@app/platform';
import { errorBody } from '../error.dto.js';
import { sendError } from './reply.util.js';

/**
 * A stored secret the portal could not read. A missing key is an operator's fix (503, naming the key id,
 * which is not secret); anything else (a damaged value) is an internal error with an id.
 */
@Catch(CryptoError)
export class CryptoErrorFilter implements ExceptionFilter<CryptoError> {
  private readonly logger: Logger;

  constructor(@Inject(ROOT_LOGGER) logger: Logger) {
    this.logger = logger.child({ component: 'http-errors' });
  }

  catch(error: CryptoError, host: ArgumentsHost): void {
    const errorId = randomUUID();
    // CryptoError messages and details never hold plaintext, ciphertext or key material.
    this.logger.error({ errorId, code: error.code, details: error.details }, `cannot read a stored secret: ${error.message}`);
    if (error.code === 'CIPHER_KEY_UNAVAILABLE') {
      return sendError(
        host,
        errorBody(503, `A stored secret is under a key this Developer Portal does not hold (error id ${errorId}); the operator must add that keystore or key.`, {
          moreInfo: errorId,
        }),
      );
    }
    sendError(host, errorBody(500, `Internal error (error id ${errorId}).`, { moreInfo: errorId }));
  }
}
