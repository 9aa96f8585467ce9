import { Catch, Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { RpcErrorCodes, type RpcErrorBody, type RpcErrorCode } from '@app/contracts';
import { ROOT_LOGGER, RpcErrorFilter } from '@app/platform';
import { AuthThrottledError, KeyManagerError, OAuthError } from '../common/key-manager.errors.js';

const BY_CODE: Partial<Record<KeyManagerError['code'], RpcErrorCode>> = {
  CLIENT_NOT_FOUND: RpcErrorCodes.NotFound,
  CLIENT_SECRET_NOT_FOUND: RpcErrorCodes.NotFound,
  USER_EXISTS: RpcErrorCodes.Conflict,
  WEAK_PASSWORD: RpcErrorCodes.WeakPassword,
  INVALID_CREDENTIALS: RpcErrorCodes.InvalidCredentials,
  INVALID_CLIENT_METADATA: RpcErrorCodes.InvalidRequest,
  INVALID_REDIRECT_URI: RpcErrorCodes.InvalidRequest,
  INVALID_REQUEST: RpcErrorCodes.InvalidRequest,
  // STORED_SECRET_UNREADABLE is left to the filter: INTERNAL with an error id, logged.
};

/** Domain errors → the bus's stable codes; undefined for anything unexpected (→ INTERNAL with an error id). */
export function mapKeyManagerRpcError(error: unknown): RpcErrorBody | undefined {
  if (error instanceof KeyManagerError) {
    const code = BY_CODE[error.code];
    return code ? { code, message: error.message } : undefined;
  }
  if (error instanceof OAuthError) {
    const credentials = error.code === 'invalid_grant' || error.code === 'invalid_client';
    return { code: credentials ? RpcErrorCodes.InvalidCredentials : RpcErrorCodes.InvalidRequest, message: error.message };
  }
  if (error instanceof AuthThrottledError) {
    return { code: RpcErrorCodes.Throttled, message: error.message, details: { retryAfterSec: error.retryAfterSec } };
  }
  return undefined;
}

/** The platform's RPC error filter with the Key Manager's mapper. */
@Catch()
@Injectable()
export class KeyManagerRpcErrorFilter extends RpcErrorFilter {
  constructor(@Inject(ROOT_LOGGER) logger: Logger) {
    super(logger.child({ component: 'rpc' }), mapKeyManagerRpcError);
  }
}
