import { OAuthError } from '../common/key-manager.errors.js';

const MAX_PARAMETERS = 64;

function decode(part: string): string {
  if (!part.includes('%') && !part.includes('+')) return part;
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_request', 'the form body is not valid application/x-www-form-urlencoded (bad percent-encoding)');
  }
}

/**
 * An `application/x-www-form-urlencoded` body, parsed by hand for the OAuth2 endpoints: every value of a
 * repeated parameter is kept (RFC 6749 §3.1 forbids repeats, and they must be refused, not silently picked),
 * and an empty value counts as absent (same section).
 */
export class FormBody {
  private constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    /** The first parameter that appears more than once. */
    readonly repeated: string | undefined,
  ) {}

  static parse(text: string): FormBody {
    const values = new Map<string, string[]>();
    let repeated: string | undefined;
    if (text.length > 0) {
      const parts = text.split('&');
      if (parts.length > MAX_PARAMETERS) throw new OAuthError('invalid_request', `the form body has more than ${MAX_PARAMETERS} parameters`);
      for (const part of parts) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const name = decode(eq < 0 ? part : part.slice(0, eq));
        const value = eq < 0 ? '' : decode(part.slice(eq + 1));
        const list = values.get(name);
        if (list) {
          list.push(value);
          repeated ??= name;
        } else {
          values.set(name, [value]);
        }
      }
    }
    return new FormBody(values, repeated);
  }

  /** Refuses a body with any repeated parameter (RFC 6749 §3.1). */
  requireNoRepeats(): this {
    if (this.repeated !== undefined) throw new OAuthError('invalid_request', `parameter ${this.repeated} is included more than once`);
    return this;
  }

  /** The parameter's value; undefined when absent or empty. */
  get(name: string): string | undefined {
    const list = this.values.get(name);
    if (!list) return undefined;
    if (list.length > 1) throw new OAuthError('invalid_request', `parameter ${name} is included more than once`);
    return list[0] === '' ? undefined : list[0];
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw new OAuthError('invalid_request', `parameter ${name} is required`);
    return value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every parameter with a single value (for re-rendering the login form). */
  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [name, list] of this.values) if (list.length === 1 && list[0] !== '') out.push([name, list[0]!]);
    return out;
  }
}

/**
 * The body of an OAuth2 endpoint as a {@link FormBody}. Anything else — JSON, text, no body — is refused
 * with 415 and an OAuth2 error.
 */
export function formOf(body: unknown): FormBody {
  if (body instanceof FormBody) return body;
  if (body === undefined || body === null) throw new OAuthError('invalid_request', 'the request has no form body');
  throw new OAuthError('invalid_request', 'the request body must be application/x-www-form-urlencoded', { status: 415 });
}
