/** The URL with its password replaced by `****`, for printing (database and NATS URLs may carry one). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '****';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: print only its scheme rather than risk a password.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}//(hidden)` : '(hidden)';
  }
}
