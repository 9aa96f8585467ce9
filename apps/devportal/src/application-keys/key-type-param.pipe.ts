import { ParseEnumPipe } from '@nestjs/common';
import { RequestValidationError } from '../common/devportal.errors.js';
import { KEY_TYPES } from './dto/generate-keys.dto.js';

/** `{keyType}` path parameter of WSO2's key-type resources: PRODUCTION or SANDBOX (400 otherwise). */
export const keyTypeParam = new ParseEnumPipe(Object.fromEntries(KEY_TYPES.map((t) => [t, t])), {
  exceptionFactory: () => new RequestValidationError([{ code: 'isEnum', message: `keyType must be one of: ${KEY_TYPES.join(', ')}` }]),
});
