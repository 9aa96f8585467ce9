import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { DEPLOYMENT_CONFIG, ROOT_LOGGER } from '../runtime/runtime.module.js';
import { ReadinessService } from './readiness.service.js';

/** What the management port serves (GET and HEAD only). */
export const MANAGEMENT_ROUTES = ['/metrics', '/health/live', '/health/ready'] as const;

/**
 * The management port (`[management] host` and `port`): Prometheus metrics and the detailed readiness report
 * (bus address, keystore thumbprint and expiry, stored values by scheme), which the public port does not
 * serve. Loopback by default; a deployment opens it to its monitoring network only. Plain `node:http` with
 * three read-only routes: no body is read, nothing is logged per request (scrapes every few seconds).
 * Listens when the application has initialised (before the public port), closes with it.
 */
@Injectable()
export class ManagementServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private server: Server | undefined;

  constructor(
    private readonly readiness: ReadinessService,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'management' });
  }

  /** `http://host:port` of the listening port (the address it is bound to). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the management port is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { host, port } = this.config.management;
    const server = createServer((request, response) => void this.handle(request, response));
    // Only scrapers and probes talk to this port: short limits, few connections.
    server.headersTimeout = 5_000;
    server.requestTimeout = 10_000;
    server.keepAliveTimeout = 15_000;
    server.maxConnections = 64;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(Object.assign(new Error(`cannot listen on the management port ${host}:${port} ([management] in ${this.config.file}): ${error.message}`), { code: error.code })),
      );
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', (error) => this.logger.error({ err: { message: error.message } }, 'management port error'));
    this.server = server;
    this.logger.info({ url: this.url }, `management port (metrics, readiness details) on ${host}:${port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    const path = (request.url ?? '/').split('?')[0];
    try {
      if (!(MANAGEMENT_ROUTES as readonly string[]).includes(path ?? '')) return send(response, 404, { error: 'not_found', routes: MANAGEMENT_ROUTES });
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('Allow', 'GET, HEAD');
        return send(response, 405, { error: 'method_not_allowed' });
      }
      if (path === '/metrics') {
        const text = await this.metrics.registry.metrics();
        response.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
        return;
      }
      if (path === '/health/live') return send(response, 200, { status: 'ok' });
      const { ready, report } = await this.readiness.readiness();
      send(response, ready ? 200 : 503, report);
    } catch (error) {
      this.logger.error({ path, err: { message: error instanceof Error ? error.message : String(error) } }, 'management request failed');
      if (!response.headersSent) send(response, 500, { error: 'internal' });
      else response.destroy();
    }
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}
