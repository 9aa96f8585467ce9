// Pure formatting for `npm run demo`: secrets are shown by their first characters only.

/** `abcdefgh…` (first `visible` characters, then the length), so a value can be recognised, not reused. */
export function preview(secret: string, visible = 8): string {
  return secret.length <= visible ? '…' : `${secret.slice(0, visible)}… (${secret.length} chars)`;
}

export function stepHeader(number: number, title: string): string {
  return `\n${number}. ${title}`;
}

export function line(label: string, value: string): string {
  return `   ${label.padEnd(22)} ${value}`;
}

/** The claims of a JWT, or undefined for an opaque token. Not verified: for display and look-up only. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
