import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { BearerAuthError, DevportalError, RequestValidationError, Wso2CodedError, type DevportalErrorCode } from '../devportal.errors.js';
import { errorBody } from '../error.dto.js';
import { sendError } from './reply.util.js';

const STATUS: Record<DevportalErrorCode, number> = {
  AUTHENTICATION_REQUIRED: 401,
  INVALID_ACCESS_TOKEN: 401,
  APPLICATION_NOT_FOUND: 404,
  APPLICATION_NAME_TAKEN: 409,
  KEY_NOT_FOUND: 404,
  INVALID_CONSUMER_SECRET: 401,
  GRANT_NOT_SUPPORTED: 400,
  INVALID_REQUEST: 400,
};

/** The portal's domain errors, one status per code. */
@Catch(DevportalError)
export class DevportalErrorFilter implements ExceptionFilter<DevportalError> {
  catch(error: DevportalError, host: ArgumentsHost): void {
    const headers: Record<string, string> = {};
    if (error instanceof BearerAuthError) {
      // RFC 6750 §3: a request without a token gets the bare challenge, a bad token names the error.
      headers['www-authenticate'] = error.code === 'INVALID_ACCESS_TOKEN' ? 'Bearer error="invalid_token"' : 'Bearer';
    }
    if (error instanceof Wso2CodedError) {
      sendError(host, { code: error.wso2.code, message: error.wso2.message, description: error.message }, headers, error.wso2.status);
      return;
    }
    const extra = error instanceof RequestValidationError ? { error: error.problems.map((p) => ({ code: p.code, message: p.message })) } : {};
    sendError(host, errorBody(STATUS[error.code], error.message, extra), headers);
  }
}
