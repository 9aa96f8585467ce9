import { readFileSync } from 'node:fs';
import type { DeploymentConfig } from '@app/config';

/** The part of Node's TLS options `[database]` sets (both node-postgres and TypeORM accept it as `ssl`). */
export interface PostgresTlsOptions {
  ca?: string;
  rejectUnauthorized: boolean;
  checkServerIdentity?: () => undefined;
}

/**
 * node-postgres's `ssl` option for `[database] ssl_mode` and `ssl_ca_file`, with libpq's meanings:
 * `disable` plain text; `require` TLS without checking the certificate; `verify-ca` the certificate must
 * chain to `ssl_ca_file` (any host name); `verify-full` that, and it must name the URL's host (with no
 * `ssl_ca_file`, the system's CAs). Undefined when `ssl_mode` is not set: the URL's query decides, as
 * before. The CA file was checked when the configuration was loaded; it is read again here, at connect
 * time, so a renewed certificate is picked up by the next pool.
 *
 * @example
 * ```ts
 * new pg.Pool({ connectionString: config.database.url, ssl: postgresTls(config.database) });
 * ```
 */
export function postgresTls(database: Pick<DeploymentConfig['database'], 'sslMode' | 'sslCaFile'>): PostgresTlsOptions | false | undefined {
  const ca = database.sslCaFile !== undefined ? { ca: readFileSync(database.sslCaFile, 'utf8') } : {};
  switch (database.sslMode) {
    case undefined:
      return undefined;
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // The chain is checked (rejectUnauthorized stays true); the host name is not.
      return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...ca, rejectUnauthorized: true };
  }
}

/** node-postgres connection settings of a service's `[database]`: the URL and, when configured, TLS. */
export function postgresConnection(database: Pick<DeploymentConfig['database'], 'url' | 'sslMode' | 'sslCaFile'>): { connectionString: string; ssl?: PostgresTlsOptions | false } {
  const ssl = postgresTls(database);
  return { connectionString: database.url, ...(ssl !== undefined ? { ssl } : {}) };
}
