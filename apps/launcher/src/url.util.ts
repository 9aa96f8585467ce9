import { redactUrl } from '@app/platform';

export { redactUrl };

/** `host:port/database` of a PostgreSQL URL, for the mode line. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return redactUrl(url);
  }
}
