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

/** `host:port/database` of a PostgreSQL URL, for the mode line. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return redactUrl(url);
  }
}
