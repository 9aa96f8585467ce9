import { RE2 } from 're2-wasm';
import { CLIENT_LIMITS } from './key-manager.messages.js';

/**
 * Registered redirect URIs in WSO2's two forms (shared: the Key Manager registers and matches them, the CLI's
 * WSO2 import checks what it carries over by the same rules): an absolute URI, matched exactly, or `regexp=<pattern>`
 * (WSO2's form for several callback URLs, e.g. `regexp=(https://a.example/cb|https://b.example/cb)`), matched
 * against the whole redirect_uri as WSO2 does (identity-inbound-auth-oauth
 * AbstractResponseTypeRequestValidator.validateCallbackURI: `callbackURI.matches(regexp)`, Java's whole-string
 * match).
 *
 * Security (RFC 9700 §4.1): exact matching is the rule, patterns are WSO2's legacy and documented as such.
 * Patterns run on RE2 (re2-wasm), which matches in time linear in the input: no pattern can make matching
 * catastrophic (no backtracking; backreferences and lookaround are refused at registration). Whatever a
 * pattern matches must still be an absolute URI without a fragment and without a scheme that runs code —
 * a loose pattern cannot make the endpoint redirect to `javascript:`. For loopback redirect URIs
 * (`http://127.0.0.1`, `http://[::1]`) the port may vary in exact matches (RFC 8252 §7.3, as WSO2 does).
 */
export const REGEXP_PREFIX = 'regexp=';

const FORBIDDEN_SCHEMES = new Set<string>(CLIENT_LIMITS.forbiddenRedirectSchemes);
const compiled = new Map<string, RE2>();
const MAX_COMPILED = 1000;

/** RFC 6749 §3.1.2: an absolute URI without a fragment; no scheme that runs code or reads local files. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > CLIENT_LIMITS.maxRedirectUriLength) return `a redirect URI is longer than ${CLIENT_LIMITS.maxRedirectUriLength} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'a redirect URI is not an absolute URI';
  }
  if (uri.includes('#')) return 'a redirect URI must not contain a fragment';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `redirect URIs with the ${url.protocol} scheme are not allowed`;
  return undefined;
}

function pattern(source: string): RE2 {
  let re = compiled.get(source);
  if (!re) {
    // Whole-string match, as Java's String.matches.
    re = new RE2(`^(?:${source})$`, 'u');
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/** What is wrong with a registered redirect URI (either form), or undefined. */
export function registeredRedirectProblem(value: string): string | undefined {
  if (!value.startsWith(REGEXP_PREFIX)) return redirectUriProblem(value);
  if (value.length > CLIENT_LIMITS.maxRedirectUriLength) return `a redirect URI pattern is longer than ${CLIENT_LIMITS.maxRedirectUriLength} characters`;
  const source = value.slice(REGEXP_PREFIX.length);
  if (source.trim() === '') return 'a regexp= redirect URI needs a pattern';
  try {
    pattern(source);
  } catch {
    return 'a regexp= redirect URI is not a valid regular expression (RE2 syntax: no backreferences or lookaround)';
  }
  return undefined;
}

/** Whether any registered redirect URI is a pattern (then a request must name its redirect_uri). */
export function hasPattern(registered: readonly string[]): boolean {
  return registered.some((value) => value.startsWith(REGEXP_PREFIX));
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?([/?].*)?$/;

function withoutLoopbackPort(uri: string): string {
  const m = LOOPBACK.exec(uri);
  return m ? `http://${m[1]}${m[3] ?? ''}` : uri;
}

/** Whether a redirect_uri of a request is one the client registered (exactly, or matched by a pattern). */
export function matchesRegisteredRedirect(registered: readonly string[], given: string): boolean {
  if (redirectUriProblem(given) !== undefined) return false;
  return registered.some((value) => {
    if (value.startsWith(REGEXP_PREFIX)) {
      try {
        return pattern(value.slice(REGEXP_PREFIX.length)).test(given);
      } catch {
        return false;
      }
    }
    return value === given || (LOOPBACK.test(given) && withoutLoopbackPort(value) === withoutLoopbackPort(given));
  });
}
