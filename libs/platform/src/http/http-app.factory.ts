import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { NestLoggerAdapter } from '../logging/nest-logger.adapter.js';
import { closingOnFailedCreation } from '../runtime/failed-start.js';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { HttpDrain, type DrainResult } from './http-drain.js';
import { capConnections, httpTimeoutOptions } from './http-limits.js';
import { definesNewCredentials, guardRequest, REFUSED_CREDENTIAL_REPORTER, RefusedInputError, type RefusedCredentialReporter } from './input-guard.js';
import { useJsonBodyParser } from './json-body.js';
import { lazyRequestLogger } from './request-logger.js';
import { cacheValidationMetadata } from './validation-metadata-cache.js';
import { applySecurityHeaders } from './security-headers.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A caller's `X-Request-Id` when it is well-formed (so ids flow across services), else a fresh UUID. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The path without its query string: queries may carry secrets (`?access_token=`), paths never do. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** One route as the HTTP server serves it: its methods and its URL pattern (`/register/:clientId`). */
export interface ServedRoute {
  method: string;
  url: string;
}

const SERVED_ROUTES = new WeakMap<object, ServedRoute[]>();
const DRAINS = new WeakMap<object, HttpDrain>();

/**
 * Every route the application serves, as Fastify's router registered it (controllers, body-less handlers,
 * anything added on the instance) — for tests that must cover every route without a list that goes stale.
 */
export function servedRoutes(app: INestApplication): readonly ServedRoute[] {
  return SERVED_ROUTES.get(app.getHttpAdapter().getInstance() as object) ?? [];
}

/**
 * The graceful stop of the application's HTTP port ({@link HttpDrain}): stop taking connections, finish
 * what is under way (answers say `Connection: close`), close idle connections, all within `timeoutMs`.
 * Call before `app.close()`, which then closes a port with nothing left on it.
 */
export async function drainHttp(app: INestApplication, timeoutMs: number): Promise<DrainResult> {
  const drain = DRAINS.get(app.getHttpAdapter().getInstance() as object);
  return drain ? drain.drain(timeoutMs) : { ms: 0, cutAtDeadline: 0 };
}

export interface HttpAppOptions {
  config: DeploymentConfig;
  logger: Logger;
  nest?: NestApplicationOptions;
  /** An empty `application/json` body is no body (the Key Manager's DCR clients send one on GET and DELETE). */
  emptyJsonBodyIsAbsent?: boolean;
}

/**
 * Creates a Nest application on Fastify with the house defaults: body size limit from `[server] body_limit`,
 * request ids (`X-Request-Id` in and out), security headers on every response (security-headers.ts), one
 * access-log line per request (method, path without query, status, duration — never headers or bodies) and
 * HTTP metrics. Slow clients are cut off and open connections capped (`[server]` timeouts and
 * `max_connections`, http-limits.ts); {@link drainHttp} stops it gracefully. At the edge, before any guard or handler: JSON nested too deep is refused at parsing
 * (`useJsonBodyParser`), and NUL or control characters where they are never valid — body, query, path
 * parameters, Authorization header — with 400, or 401 for credentials (`guardRequest`).
 */
export async function createHttpApplication(module: unknown, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const { config, logger } = options;
  // Both services validate every request body and bus payload with class-validator.
  cacheValidationMetadata();
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.bodyLimitBytes,
    genReqId: requestIdOf,
    // Fastify's own per-request lines are off: ours (below) never log headers, bodies or query strings.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.server.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    // Fastify logs its own errors with this logger; request logging is ours (below).
    loggerInstance: logger.child({ component: 'http' }),
    // Each request's logger (the request id bound) is made only if Fastify logs with it (request-logger.ts).
    childLoggerFactory: lazyRequestLogger,
    // Slow clients are cut off ([server] headers_timeout, request_timeout, idle_timeout, keep_alive_timeout).
    ...httpTimeoutOptions(config.server),
  });
  // A provider that cannot be created (a keystore's wrong password) fails the whole creation, and what the
  // others opened meanwhile (the NATS connection) is closed before the error goes on.
  const app = await closingOnFailedCreation(() =>
    NestFactory.create<NestFastifyApplication>(module as never, adapter, {
      logger: new NestLoggerAdapter(logger.child({ component: 'nest' })),
      bufferLogs: false,
      // A failed start is thrown to whoever started the application (runServiceMain, the launcher, a test),
      // which reports it in one line; Nest would otherwise print a stack trace and exit 1 itself.
      abortOnError: false,
      ...options.nest,
    }),
  );
  const fastify = app.getHttpAdapter().getInstance();
  useJsonBodyParser(app, { bodyLimit: config.server.bodyLimitBytes, emptyBodyIsAbsent: options.emptyJsonBodyIsAbsent ?? false });
  // preHandler: after parsing, before Nest's guards, pipes and handlers.
  let reporter: RefusedCredentialReporter | undefined;
  fastify.addHook('preHandler', async (request) => {
    try {
      guardRequest(request, { newCredentials: definesNewCredentials(request.routeOptions.config) });
    } catch (error) {
      // A refused credential is a failed authentication attempt: the service's throttle counts it (and may
      // answer 429 instead) before the refusal goes out.
      if (error instanceof RefusedInputError && error.attempt) {
        reporter ??= optionalProvider<RefusedCredentialReporter>(app, REFUSED_CREDENTIAL_REPORTER) ?? (async () => undefined);
        await reporter({ ...error.attempt, address: request.ip, path: pathOf(request.url) });
      }
      throw error;
    }
  });
  const routes: ServedRoute[] = [];
  SERVED_ROUTES.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const accessLog = logger.child({ component: 'access' });
  const metrics = app.get(MetricsRegistry, { strict: false }).http;
  capConnections(fastify.server, config.server, () => metrics.connectionDropped());
  const drain = new HttpDrain(fastify.server);
  DRAINS.set(fastify, drain);
  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    // Stopping: the client opens its next connection elsewhere (this instance no longer listens).
    if (drain.isDraining && request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
    applySecurityHeaders(reply);
    return payload;
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const durationMs = reply.elapsedTime;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(request.method, route, reply.statusCode, durationMs / 1000);
    if (accessLog.isLevelEnabled('info')) {
      accessLog.info({ reqId: request.id, method: request.method, path: pathOf(request.url), status: reply.statusCode, ms: Math.round(durationMs * 10) / 10 }, 'request');
    }
  });
  return app;
}

/** A provider of the application, or undefined when no module provides it. */
function optionalProvider<T>(app: INestApplication, token: symbol): T | undefined {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return undefined;
  }
}

export type { INestApplication };
