import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { GRANT_TYPES, refusedGrantReason } from '@app/contracts';

/** Seconds as a number or a numeric string (WSO2 clients send `"validityTime": "3600"`). */
export const NumericString = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value));

/** WSO2 clients send `"callbackUrl": ""` for none. */
export const EmptyAsAbsent = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value));

/**
 * A callback URL in WSO2's forms: an absolute URL without a fragment (RFC 6749 §3.1.2; custom schemes are
 * allowed for native apps), or `regexp=<pattern>` for several (WSO2's `regexp=(url1|url2)`), whose pattern
 * the Key Manager checks (docs/key-manager.md "Redirect URIs").
 */
export function IsRedirectUri(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRedirectUri',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || value.length > 2048) return false;
          if (value.startsWith('regexp=')) return value.length > 'regexp='.length;
          try {
            const url = new URL(value);
            return url.hash === '' && !value.includes('#') && url.protocol !== 'javascript:' && url.protocol !== 'data:';
          } catch {
            return false;
          }
        },
        defaultMessage: () => '$property must be an absolute URL without a fragment or regexp=<pattern>, at most 2048 characters',
      },
    },
    options,
  );
}

/**
 * Each value one of the Key Manager's grant types. WSO2's portal also offers `implicit`, `saml2-bearer` and
 * `iwa:ntlm`; those are refused with the reason (REFUSED_GRANT_TYPES), anything else with the list.
 */
export function IsOfferedGrantType(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOfferedGrantType',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (GRANT_TYPES as readonly string[]).includes(value),
        defaultMessage: (args?: ValidationArguments) => {
          const values: unknown[] = Array.isArray(args?.value) ? args.value : [args?.value];
          const refused = values.map((v) => (typeof v === 'string' ? refusedGrantReason(v) : undefined)).find((reason) => reason !== undefined);
          return refused ?? `each value in $property must be one of: ${GRANT_TYPES.join(', ')}`;
        },
      },
    },
    { each: true },
  );
}
