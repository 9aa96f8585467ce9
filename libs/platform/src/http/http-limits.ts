import type { Server } from 'node:http';
import type { DeploymentConfig } from '@app/config';

/** How often Node checks open connections against the headers and request timeouts (its default is 30 s). */
function checkingIntervalMs(server: DeploymentConfig['server']): number {
  return Math.max(250, Math.min(1000, Math.floor(server.headersTimeoutMs / 4)));
}

/**
 * Fastify's options for `[server]`'s timeouts. A client that has not sent all its headers within
 * `headers_timeout`, or its whole request within `request_timeout`, gets a 408 and the connection is closed
 * (Node's HTTP server measures both, checking every second rather than its default 30 s); a connection with
 * no traffic for `idle_timeout` is closed (slow readers included); a keep-alive connection waits
 * `keep_alive_timeout` for its next request.
 */
export function httpTimeoutOptions(server: DeploymentConfig['server']) {
  return {
    connectionTimeout: server.idleTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    http: { headersTimeout: server.headersTimeoutMs, requestTimeout: server.requestTimeoutMs, connectionsCheckingInterval: checkingIntervalMs(server) },
  };
}

/**
 * Caps the open connections of an HTTP server at `[server] max_connections`: Node closes any connection
 * past the cap as soon as it is accepted, and `onDrop` counts it. Connections already open are untouched.
 */
export function capConnections(http: Server, server: DeploymentConfig['server'], onDrop: () => void): void {
  http.maxConnections = server.maxConnections;
  http.on('drop', onDrop);
}
