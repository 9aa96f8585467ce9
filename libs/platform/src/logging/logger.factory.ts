import { pino, type DestinationStream, type Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import type { ProcessIdentity } from '../runtime/runtime.module.js';
import { serializeError } from './error-serializer.js';

/**
 * Paths pino censors wherever they appear in a logged object. Defence in depth only: request and message
 * bodies are never logged in the first place, and URLs are logged without their query string.
 */
const REDACTED_PATHS = [
  'password', '*.password', 'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret',
  'consumerSecret', '*.consumerSecret', 'token', '*.token', 'access_token', '*.access_token',
  'accessToken', '*.accessToken', 'refresh_token', '*.refresh_token', 'refreshToken', '*.refreshToken',
  'code_verifier', '*.code_verifier', 'stored', '*.stored',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
];

/**
 * The process's root logger: JSON lines on stdout (or `destination`), every line tagged with the service
 * and instance so logs of a scaled deployment can be told apart. An error is logged as `{ err }` and goes
 * through {@link serializeError}: class, code, message and stack frames only, never the
 * query parameters or other data it carries. Child loggers, Fastify's and Nest's included, inherit this.
 */
export function createRootLogger(
  config: Pick<DeploymentConfig, 'log'>,
  identity: ProcessIdentity,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.log.level,
    base: { service: identity.service, instance: identity.instanceId },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
