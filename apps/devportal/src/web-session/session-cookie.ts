/**
 * The web app's cookies, read and written here (two fixed names; no parsing library needed): the session
 * cookie — HttpOnly, SameSite=Lax, Path=/, Secure and `__Host-` prefixed over https — and the short-lived
 * cookie binding a sign-in under way to the browser that started it (Path=/devportal/auth).
 */
export interface CookieNames {
  session: string;
  signIn: string;
}

export function cookieNames(secure: boolean): CookieNames {
  return secure ? { session: '__Host-dp_session', signIn: '__Host-dp_signin' } : { session: 'dp_session', signIn: 'dp_signin' };
}

/** The value of one cookie of a `Cookie` header (values we set are base64url: no quoting or decoding needed). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function setCookie(name: string, value: string, options: { secure: boolean; maxAgeSec: number; path: string }): string {
  // `__Host-` cookies must be Secure with Path=/; the sign-in cookie keeps Path=/ then too.
  const path = name.startsWith('__Host-') ? '/' : options.path;
  return [`${name}=${value}`, `Path=${path}`, `Max-Age=${options.maxAgeSec}`, 'HttpOnly', 'SameSite=Lax', ...(options.secure ? ['Secure'] : [])].join('; ');
}

export function clearCookie(name: string, options: { secure: boolean; path: string }): string {
  return setCookie(name, '', { ...options, maxAgeSec: 0 });
}
