import { ParseUUIDPipe } from '@nestjs/common';
import { RequestValidationError } from './devportal.errors.js';

/** Validates a path parameter as a UUID: a malformed id is the caller's mistake (400), not a database error. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    version: undefined,
    exceptionFactory: () => new RequestValidationError([{ code: 'isUuid', message: `${name} must be a UUID` }]),
  });
}
