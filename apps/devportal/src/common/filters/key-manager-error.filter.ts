import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { RpcErrorCodes } from '@app/contracts';
import { KeyManagerCallError } from '@app/platform';
import { errorBody } from '../error.dto.js';
import { sendError } from './reply.util.js';

/**
 * A failed call to the Key Manager, by its stable code. The Key Manager's messages never hold a secret, so
 * they are shown as the description; a profile mismatch names the differing settings (never key material).
 */
@Catch(KeyManagerCallError)
export class KeyManagerErrorFilter implements ExceptionFilter<KeyManagerCallError> {
  catch(error: KeyManagerCallError, host: ArgumentsHost): void {
    switch (error.code) {
      case 'TIMEOUT':
      case RpcErrorCodes.Unavailable:
        return sendError(host, errorBody(503, `The Key Manager is not available: ${error.message}`), { 'retry-after': '5' });
      case RpcErrorCodes.ProfileMismatch:
        return sendError(host, errorBody(503, `The Developer Portal and the Key Manager are configured differently: ${describeMismatch(error)}`));
      case RpcErrorCodes.Conflict:
        return sendError(host, errorBody(409, error.message));
      case RpcErrorCodes.NotFound:
        return sendError(host, errorBody(404, error.message));
      case RpcErrorCodes.WeakPassword:
      case RpcErrorCodes.InvalidRequest:
        return sendError(host, errorBody(400, error.message));
      case RpcErrorCodes.InvalidCredentials:
        return sendError(host, errorBody(401, error.message));
      case RpcErrorCodes.Throttled:
        // The Key Manager's authentication throttle holds this log-in (docs/security.md, "Throttling").
        return sendError(host, errorBody(429, error.message), { 'retry-after': String(retryAfterOf(error)) });
      default:
        // INTERNAL: the Key Manager logged it with an error id, which its message carries.
        return sendError(host, errorBody(502, `The Key Manager failed to handle the request: ${error.message}`));
    }
  }
}

function retryAfterOf(error: KeyManagerCallError): number {
  const seconds = error.details?.['retryAfterSec'];
  return typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0 ? seconds : 1;
}

function describeMismatch(error: KeyManagerCallError): string {
  const differences = error.details?.['differences'];
  if (Array.isArray(differences) && differences.every((d) => typeof d === 'string') && differences.length > 0) return differences.join('; ');
  return error.message;
}
