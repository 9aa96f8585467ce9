import { Expose } from 'class-transformer';
import type { ValidationArguments, ValidationOptions } from 'class-validator';

/** TOML shapes a key accepts. Numbers and booleans also accept their string forms (env vars are strings). */
export type KeyKind = 'string' | 'integer' | 'number' | 'boolean' | 'string[]';

export interface KeySpec {
  /** Name in the TOML file, e.g. `public_url`. */
  name: string;
  /** Property of the section class, e.g. `publicUrl`. */
  property: string;
  kind: KeyKind;
  /** What a valid value looks like, for people: ends up after "expected" in the issue. */
  expected: string;
  /** Never shown in a message, not even partly: passwords, keys, URLs that may embed credentials. */
  secret: boolean;
  /**
   * One value for every service, even in a section that service overlays may repeat: a service overlay
   * that sets it is refused, as a shared table there is, so that the services cannot drift apart.
   */
  shared: boolean;
}

type SectionClass = abstract new () => object;

const registry = new Map<SectionClass, KeySpec[]>();

/**
 * Declares that a section-class property is the TOML key `name`. Maps it for class-transformer and records
 * what the loader needs to know about the key: its kind (for coercion), whether it is secret (for
 * messages), whether service overlays may set it, and the human description of a valid value.
 */
export function TomlKey(name: string, spec: { kind: KeyKind; expected: string; secret?: boolean; shared?: boolean }): PropertyDecorator {
  const expose = Expose({ name });
  return (target, property) => {
    expose(target, property);
    const section = target.constructor as SectionClass;
    const keys = registry.get(section) ?? [];
    keys.push({ name, property: String(property), kind: spec.kind, expected: spec.expected, secret: spec.secret ?? false, shared: spec.shared ?? false });
    registry.set(section, keys);
  };
}

/** The TOML keys a section class declares, in declaration order. */
export function keysOf(section: SectionClass): readonly KeySpec[] {
  return registry.get(section) ?? [];
}

function specOf(args: ValidationArguments): KeySpec | undefined {
  return keysOf(args.object.constructor as SectionClass).find((key) => key.property === args.property);
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** The TOML type of a value, for people: "an integer", "a table"… */
export function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal number';
  if (typeof value === 'object' && value !== null) return 'a table';
  return article(typeof value);
}

/**
 * "is <value>" for people. Secret values are described by their type only, so that a mistyped password
 * never reaches a log line.
 */
export function describeValue(value: unknown, secret: boolean): string {
  if (typeof value === 'string') {
    if (secret) return 'is set but not valid';
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return `is ${JSON.stringify(shown)}`;
  }
  if (!secret && (typeof value === 'number' || typeof value === 'boolean')) return `is ${String(value)}`;
  return `is ${typeOf(value)}`;
}

/**
 * Validation options whose message is "is <value>" (or the type only, for secret keys): the expectation
 * comes from {@link TomlKey}, so most decorators need no message of their own.
 */
export const valueIs: ValidationOptions = {
  message: (args: ValidationArguments) => describeValue(args.value, specOf(args)?.secret ?? true),
};
