import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { loadConfigOrExit, type DeploymentConfig } from '@app/config';
import type { PeerService } from '@app/contracts';
import { CryptoError } from '@app/crypto';
import { serializeError } from '../logging/error-serializer.js';
import { createRootLogger } from '../logging/logger.factory.js';
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

/** Exit codes: 78 = configuration (EX_CONFIG, from the config lib), 1 = could not start, 0 = clean stop. */
export const EXIT_STARTUP_FAILED = 1;

/**
 * Explains a start-up failure in one clear block. Coded errors (keystore, stored data, profile mismatch)
 * carry their own operator-facing messages; anything else is reported by type and message only.
 */
export function describeStartupFailure(error: unknown): string {
  if (error instanceof UnreadableStoredSecretsError) return error.message;
  if (error instanceof CryptoError) return `cannot open the keys: ${error.message} [${error.code}]`;
  const { code, message } = serializeError(error);
  return `${message ?? 'non-error thrown'}${code !== undefined ? ` [${code}]` : ''}`;
}

/**
 * The `main` of a service: load and validate the configuration (exit 78 when bad), start the service,
 * stop cleanly on SIGTERM/SIGINT (draining the bus so in-flight requests finish), and exit 1 with a clear
 * message when start-up fails.
 */
export async function runServiceMain(service: PeerService, start: ServiceStarter, bus: BusOption = { kind: 'nats' }): Promise<void> {
  const config = loadConfigOrExit({ service });
  const identity = new ProcessIdentity(service);
  const logger = createRootLogger(config, identity);
  let app: INestApplication;
  try {
    app = await start({ config, identity, logger, bus });
  } catch (error) {
    logger.fatal({ code: (error as { code?: unknown }).code }, `${service} failed to start: ${describeStartupFailure(error)}`);
    logger.flush?.();
    process.stderr.write(`${service} failed to start:\n${describeStartupFailure(error)}\n`);
    process.exit(EXIT_STARTUP_FAILED);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${service} stopping`);
    try {
      await app.close();
    } finally {
      logger.flush?.();
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
