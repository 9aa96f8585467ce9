/**
 * Headers every response of every service carries. A response may set its own Content-Security-Policy
 * (the web app's pages, the Key Manager's sign-in page); everything else — JSON, errors, health — gets the
 * strictest one, which lets a browser load and run nothing from it and never frame it.
 */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** Sets the security headers a reply does not set itself (called from the platform's onSend hook). */
export function applySecurityHeaders(reply: { hasHeader(name: string): boolean; header(name: string, value: string): unknown }): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', DEFAULT_CSP);
}
