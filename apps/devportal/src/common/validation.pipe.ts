import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import * as classTransformer from 'class-transformer';
import * as classValidator from 'class-validator';
import { RequestValidationError, type FieldProblem } from './devportal.errors.js';

function problems(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([code, message]) => ({
      code,
      // class-validator starts most messages with the property name; nested ones need the full path.
      message: prefix && message.startsWith(e.property) ? `${prefix}.${message}` : message,
    }));
    return [...own, ...problems(e.children ?? [], path)];
  });
}

const notAnObject = () => new RequestValidationError([{ code: 'isObject', message: 'the request body must be a JSON object' }]);

/**
 * The portal's validation: DTO classes with class-validator, unknown fields refused (400) rather than
 * dropped, values converted to the DTO's types, one problem per field. Messages name fields and rules,
 * never the values sent.
 */
class DevportalValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A DTO whose fields are all optional may mark itself so; no body then means an empty one.
    if (metadata.type === 'body' && value === undefined && (metadata.metatype as { bodyOptional?: boolean } | undefined)?.bodyOptional) value = {};
    // A missing body, an array or a scalar would otherwise be reported field by field (or as "property 0").
    if (metadata.type === 'body' && this.toValidate(metadata) && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw notAnObject();
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new DevportalValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(problems(errors)),
    // The same instances the DTO decorators registered their metadata with (not a lazily imported copy).
    validatorPackage: classValidator,
    transformerPackage: classTransformer,
  });
}
