import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import pg from 'pg';
import { type Observable, retry, throwError, timer } from 'rxjs';

/**
 * How long a client is told to wait (`Retry-After`, seconds) when the database cannot be reached. The
 * services are back within a second of the database, so a short wait is the right advice.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/** SQLSTATEs that mean "the server or the connection went away", not "the statement is wrong". */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08007']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
  'the database system is starting up',
  'the database system is shutting down',
];

/**
 * PostgreSQL's refusals that no retry fixes (SQLSTATE): the database does not exist, the password is wrong,
 * the role may not connect. Anything else (refused connection, DNS, a server starting up) may pass.
 */
export const PERMANENT_DATABASE_CODES: Readonly<Record<string, string>> = {
  '3D000': 'create it, or point [database] url at one that exists',
  '28P01': 'the password of [database] url is wrong',
  '28000': 'PostgreSQL does not let this user connect to this database (pg_hba.conf, or the role does not exist)',
  '42501': 'the user of [database] url lacks a privilege it needs',
};

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Node's codes for a server certificate that fails the check `[database] ssl_mode` asks for. */
const TLS_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What to do about a TLS refusal between a service and PostgreSQL — a certificate that does not pass the
 * check, or a server without TLS — or undefined for any other error. Neither passes by itself.
 */
export function databaseTlsRefusal(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && TLS_CERTIFICATE_CODES.has(code)) {
    return code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? 'the server\'s certificate does not name the host of [database] url: connect by a name it holds, or use a certificate for this one (ssl_mode "verify-ca" checks the CA only)'
      : 'the server\'s certificate is not signed by a CA [database] ssl_ca_file holds (or it is expired): point ssl_ca_file at the CA that signed it';
  }
  if (message === 'The server does not support SSL connections') return 'the server has ssl = off: turn TLS on there, or set [database] ssl_mode = "disable"';
  return undefined;
}

/** Whether a failed database connection is one that retrying cannot fix (used to stop TypeORM's retries). */
export function isPermanentDatabaseError(error: unknown): boolean {
  const code = sqlState(error);
  return (code !== undefined && code in PERMANENT_DATABASE_CODES) || databaseTlsRefusal(error) !== undefined;
}

/**
 * Whether an error means the database could not be reached or dropped the connection (a restart, a
 * failover, `pg_terminate_backend`, a pool that cannot connect) — as opposed to an error of the statement.
 * Looks through TypeORM's `QueryFailedError.driverError` and `cause`.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const e = error as { code?: unknown; errno?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => (e.message as string).includes(m))) return true;
  return isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}

/** The 'error' listener every connection keeps: see {@link GuardedClient}. */
function ignoreConnectionError(): void {}

/**
 * The node-postgres client of every pool the services and the CLI open ({@link openPool}, and TypeORM's
 * through `extra.Client`). A connection the server ends (a restart, a failover, `pg_terminate_backend`)
 * emits 'error' on its client, and an 'error' with no listener ends the process. pg-pool listens only while
 * a client is idle; a checked-out client has whatever listener its holder adds, and none at all between the
 * pool handing it out and the holder's next turn — a fresh connection whose ReadyForQuery and the server's
 * FATAL arrive in one read is ended before any `await pool.connect()` resumes. So every client listens from
 * birth. Nothing is lost: the statement in progress fails with the error, a later one with "not queryable",
 * and the pool drops a client that is no longer queryable when it comes back.
 */
export class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', ignoreConnectionError);
  }
}

/**
 * A node-postgres pool whose connections are {@link GuardedClient}s and whose own 'error' (an idle
 * connection ended by the server; the pool has already dropped it) is ignored rather than fatal.
 */
export function openPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ ...config, Client: GuardedClient });
  pool.on('error', ignoreConnectionError);
  return pool;
}

/**
 * Runs `work` again (up to `attempts` times in all, 50 ms, 100 ms… apart) when it fails because the
 * database connection dropped. Only for work that is safe to repeat: a read, or a statement whose repeat
 * cannot do anything twice.
 */
export async function retryOnDatabaseFault<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isDatabaseUnavailable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Runs a GET or HEAD handler again when it failed because the database connection dropped (a connection
 * the pool handed out just as the server ended it): reads are safe to repeat, so the client never sees
 * that. Anything else goes to the error filters, which answer 503 with `Retry-After` for such errors.
 */
@Injectable()
export class DatabaseReadRetryInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const method = context.switchToHttp().getRequest<{ method?: string }>().method;
    if (method !== 'GET' && method !== 'HEAD') return next.handle();
    return next.handle().pipe(
      retry({ count: 2, delay: (error: unknown, count) => (isDatabaseUnavailable(error) ? timer(50 * count) : throwError(() => error)) }),
    );
  }
}
