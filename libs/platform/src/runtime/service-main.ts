import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { loadConfigOrExit, type DeploymentConfig } from '@app/config';
import type { PeerService } from '@app/contracts';
import { CryptoError, type CryptoErrorCode } from '@app/crypto';
import { ReadinessService } from '../health/readiness.service.js';
import { drainHttp } from '../http/http-app.factory.js';
import type { DrainResult } from '../http/http-drain.js';
import { serializeError } from '../logging/error-serializer.js';
import { createRootLogger } from '../logging/logger.factory.js';
import { databaseTlsRefusal, PERMANENT_DATABASE_CODES, isPermanentDatabaseError, sqlState } from '../database/database-faults.js';
import { UnreadableStoredSecretsError } from '../encryption/stored-secrets.inspector.js';
import type { BusOption } from '../messaging/messaging.module.js';
import { ProcessIdentity } from './runtime.module.js';

/** What a service needs to start: validated config, identity, logger and the bus to use. */
export interface ServiceContext {
  config: DeploymentConfig;
  identity: ProcessIdentity;
  logger: Logger;
  bus: BusOption;
}

export type ServiceStarter = (ctx: ServiceContext) => Promise<INestApplication>;

/**
 * Exit codes: 78 (`EX_CONFIG`) when restarting cannot help until the configuration, a keystore it names or
 * the database it names is fixed; 1 when start-up failed for a reason that may pass (a server not yet
 * reachable); 0 after a clean stop.
 */
export const EXIT_STARTUP_FAILED = 1;
export const EXIT_CONFIG = 78;

/** Keystore and cipher settings that cannot work as configured. */
const CONFIG_CRYPTO_CODES: ReadonlySet<string> = new Set<CryptoErrorCode>([
  'KEYSTORE_NOT_FOUND',
  'KEYSTORE_UNREADABLE',
  'KEYSTORE_BAD_PASSWORD',
  'KEYSTORE_BAD_KEY_PASSWORD',
  'KEYSTORE_ALIAS_NOT_FOUND',
  'KEYSTORE_NOT_RSA',
  'KEYSTORE_CERT_EXPIRED',
  'KEYSTORE_UNSUPPORTED_TYPE',
  'SYMMETRIC_KEY_INVALID',
  'CIPHER_UNSUPPORTED_TRANSFORMATION',
]);

/** The exit status a start-up failure calls for: {@link EXIT_CONFIG} or {@link EXIT_STARTUP_FAILED}. */
export function startupExitCode(error: unknown): number {
  if (error instanceof UnreadableStoredSecretsError || isPermanentDatabaseError(error)) return EXIT_CONFIG;
  if (error instanceof CryptoError && CONFIG_CRYPTO_CODES.has(error.code)) return EXIT_CONFIG;
  return EXIT_STARTUP_FAILED;
}

/** `host:port`, user and database of a PostgreSQL URL, never its password. */
function databaseTarget(url: string | undefined): { where: string; user: string; database: string; host: string; port: string } | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    const host = u.hostname || '127.0.0.1';
    const port = u.port || '5432';
    return { where: `${host}:${port}`, host, port, user: decodeURIComponent(u.username) || 'postgres', database: decodeURIComponent(u.pathname.slice(1)) };
  } catch {
    return undefined;
  }
}

/**
 * Explains a start-up failure in one clear line (the stored-secrets refusal lists its rows). Coded errors
 * (keystore, stored data, profile mismatch) carry their own operator-facing messages; PostgreSQL's
 * permanent refusals get what to do; anything else is reported by message and code only, never a stack.
 */
export function describeStartupFailure(error: unknown, databaseUrl?: string): string {
  if (error instanceof UnreadableStoredSecretsError) return error.message;
  if (error instanceof CryptoError) return `cannot open the keys: ${error.message} [${error.code}]`;
  const state = sqlState(error);
  if (state && state in PERMANENT_DATABASE_CODES && error instanceof Error) {
    const target = databaseTarget(databaseUrl);
    const at = target ? ` (PostgreSQL at ${target.where}, [database] url)` : ' ([database] url)';
    const fix = state === '3D000' && target ? `create it (createdb -h ${target.host} -p ${target.port} -U ${target.user} ${target.database}), or point [database] url at one that exists` : PERMANENT_DATABASE_CODES[state];
    return `${error.message}${at}: ${fix} [${state}]`;
  }
  const tlsFix = databaseTlsRefusal(error);
  if (tlsFix && error instanceof Error) {
    const target = databaseTarget(databaseUrl);
    const code = (error as { code?: unknown }).code;
    return `${error.message} (PostgreSQL at ${target?.where ?? '[database] url'}, [database] ssl_mode): ${tlsFix}${typeof code === 'string' ? ` [${code}]` : ''}`;
  }
  const { code, message } = serializeError(error);
  return `${message ?? 'non-error thrown'}${code !== undefined ? ` [${code}]` : ''}`;
}

/** What a `main` loaded before importing the service (`prepareService` of `@app/telemetry`). */
export interface PreparedServiceStart {
  config: DeploymentConfig;
  instanceId: string;
  /** Flushed and stopped after the service stops. */
  tracing?: { shutdown(): Promise<void> };
}

function optionalReadiness(app: INestApplication): ReadinessService | undefined {
  try {
    return app.get(ReadinessService, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * The first half of a service's graceful stop, shared by its own `main` and by `npm start` (which runs both
 * services in one process): not ready from now on, the HTTP port stops taking connections and finishes
 * what it serves, within `timeoutMs` (`[server] shutdown_timeout`). The caller closes the application
 * afterwards (the bus server unsubscribes, waits, drains).
 */
export async function drainService(app: INestApplication, timeoutMs: number): Promise<DrainResult> {
  optionalReadiness(app)?.markStopping();
  return drainHttp(app, timeoutMs);
}

/**
 * The `main` of a service: load and validate the configuration (exit 78 when bad) unless `prepared` holds
 * it, start the service, stop cleanly on SIGTERM/SIGINT (readiness false, the HTTP port drained within
 * `[server] shutdown_timeout`, then the bus drained, so in-flight requests finish; then the last spans
 * sent), and when start-up fails print one line saying why and exit 78 (configuration, keystore or
 * database named wrongly) or 1.
 */
export async function runServiceMain(service: PeerService, start: ServiceStarter, options: { bus?: BusOption; prepared?: PreparedServiceStart } = {}): Promise<void> {
  const { prepared, bus = { kind: 'nats' } } = options;
  const config = prepared?.config ?? loadConfigOrExit({ service });
  const identity = new ProcessIdentity(service, prepared?.instanceId);
  const logger = createRootLogger(config, identity);
  const flushTraces = async () => {
    await prepared?.tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not send the last spans'));
  };
  let app: INestApplication;
  try {
    app = await start({ config, identity, logger, bus });
  } catch (error) {
    // One line saying what is wrong and what to do, in the log and on stderr; never a stack trace.
    const exitCode = startupExitCode(error);
    const message = `${service} cannot start: ${describeStartupFailure(error, config.database.url)}`;
    logger.fatal({ code: (error as { code?: unknown }).code, exitCode }, message);
    logger.flush?.();
    process.stderr.write(`${message}\n`);
    await flushTraces();
    process.exit(exitCode);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${service} stopping`);
    try {
      const drained = await drainService(app, config.server.shutdownTimeoutMs);
      logger.info({ signal, ...drained }, `${service} HTTP port drained`);
      await app.close();
      await flushTraces();
    } finally {
      logger.flush?.();
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
