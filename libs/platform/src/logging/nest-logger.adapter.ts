import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { loggableMessage } from './error-serializer.js';

/** Routes Nest's own log calls (bootstrap, module init, uncaught handler errors) into the pino logger. */
export class NestLoggerAdapter implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    // Nest passes the context (class name) as the last string parameter.
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    // @nestjs/typeorm warns when a second application in the same process registers a data source with the
    // default name. Here each service is its own Nest application with its own container and data source (the
    // launcher and the tests run both in one process), so nothing is overridden: the warning is noise.
    if (context === 'DataSourceNameRegistry') return;
    // Nest's report of an error thrown while the application starts (with its stack): the error is thrown on
    // to whoever started it (abortOnError: false), which reports it in one line (runServiceMain, the launcher).
    if (context === 'ExceptionHandler') return;
    if (message instanceof Error) {
      // The root logger's `err` serializer keeps the class, code, message and stack, not the data an error carries.
      this.logger[level]({ context, err: message }, loggableMessage(message));
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}
