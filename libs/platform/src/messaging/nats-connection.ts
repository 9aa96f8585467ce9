import { connect, type NatsConnection, errors } from '@nats-io/transport-node';
import type { DeploymentConfig } from '@app/config';
import { busSubject } from '@app/contracts';
import { redactUrl } from '../runtime/redact-url.js';
import { tracedRequest } from './bus-tracing.js';
import { type RpcTransport, RpcTransportError } from './rpc-transport.js';

/**
 * How a service connects to NATS, on the portal's side and the Key Manager's alike: every configured server
 * (plus those a cluster announces), reconnecting forever and at once to another node when the one in use
 * goes (the wait applies only before trying the same server again), and a dead peer noticed within
 * seconds by pings even when no TCP reset arrives.
 */
export const NATS_CONNECTION_DEFAULTS = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  reconnectJitter: 100,
  pingInterval: 5000,
  maxPingOut: 2,
  waitOnFirstConnect: false,
  // No stack captured ahead for errors that may never happen: the client otherwise builds three Error
  // objects (a RequestError, a TimeoutError and another for the request's context) on every request, a
  // measurable part of the portal's CPU per bus call; toTransportError reads only their type and cause.
  noAsyncTraces: true,
} as const;

/**
 * How this deployment logs in to NATS — `[transport.nats]` user and password, and TLS trusting only
 * `tls_ca_file` — for every connection: the services' clients, the Key Manager's server and the CLI.
 */
export function natsLoginOptions(config: Pick<DeploymentConfig, 'nats'>): { user?: string; pass?: string; tls?: { caFile: string } } {
  return {
    ...(config.nats.user ? { user: config.nats.user, pass: config.nats.password ?? '' } : {}),
    // The servers' certificates must chain to these (and name the host connected to).
    ...(config.nats.tlsCaFile ? { tls: { caFile: config.nats.tlsCaFile } } : {}),
  };
}

/** Opens a NATS connection with the deployment's servers and login; reconnects forever. */
export async function connectNats(config: Pick<DeploymentConfig, 'nats'>, name: string): Promise<NatsConnection> {
  try {
    return await connect({
      servers: config.nats.servers,
      name,
      ...NATS_CONNECTION_DEFAULTS,
      ...natsLoginOptions(config),
    });
  } catch (error) {
    // The client's own message ("connection refused") names no server: say which, and where it is set.
    const reason = error instanceof Error ? error.message : String(error);
    throw Object.assign(new Error(`cannot reach NATS at ${config.nats.servers.map(redactUrl).join(', ')} ([transport.nats] servers): ${reason}`), { code: 'NATS_UNREACHABLE' });
  }
}

/**
 * Drains `nc` (subscriptions finish what they hold, publishes are flushed) and then closes it, whatever the
 * drain met. The client's drain gives up without closing when the connection drops before the server has
 * acknowledged the last flush — NATS down at shutdown, or a node lost during it — and a client left so
 * reconnects forever (every 250–350 ms here), holding its process open.
 */
export async function closeNats(nc: NatsConnection): Promise<void> {
  try {
    if (!nc.isClosed() && !nc.isDraining()) await nc.drain();
  } finally {
    if (!nc.isClosed()) await nc.close();
  }
}

/**
 * Request/reply over NATS with `request()` (a shared reply inbox; "no responders" reported at once), on
 * the subjects of `[transport.nats] subject_prefix`.
 *
 * When the connection to the NATS node drops, every request in flight on it fails at once with
 * `disconnected` (its reply would have come back through that node): the caller sends it again, and the
 * client holds it until it is connected to another node, instead of each one waiting out its timeout.
 */
export class NatsRpcTransport implements RpcTransport {
  private readonly inFlight = new Set<(error: RpcTransportError) => void>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectPrefix = '',
  ) {
    void this.watch();
  }

  request(pattern: string, body: string, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const fail = (error: RpcTransportError) => reject(error);
      this.inFlight.add(fail);
      const subject = busSubject(this.subjectPrefix, pattern);
      tracedRequest(subject, (headers) => this.nc.request(subject, body, { timeout: timeoutMs, ...(headers ? { headers } : {}) }))
        .then(
          (msg) => resolve(msg.string()),
          (e: unknown) => reject(toTransportError(e, pattern, timeoutMs)),
        )
        .finally(() => this.inFlight.delete(fail));
    });
  }

  close(): Promise<void> {
    return closeNats(this.nc);
  }

  private async watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') {
        const lost = [...this.inFlight];
        this.inFlight.clear();
        for (const fail of lost) fail(new RpcTransportError('disconnected', `the connection to NATS ${'server' in status ? status.server : ''} dropped`));
      }
    }
  }
}

function toTransportError(e: unknown, pattern: string, timeoutMs: number): RpcTransportError {
  if (e instanceof errors.RequestError && e.isNoResponders()) return new RpcTransportError('no-responders', `no responders for ${pattern}`);
  if (e instanceof errors.NoRespondersError) return new RpcTransportError('no-responders', `no responders for ${pattern}`);
  if (e instanceof errors.TimeoutError || (e instanceof errors.RequestError && e.cause instanceof errors.TimeoutError)) {
    return new RpcTransportError('timeout', `no reply to ${pattern} within ${timeoutMs} ms`);
  }
  if (e instanceof errors.ClosedConnectionError || e instanceof errors.DrainingConnectionError) return new RpcTransportError('closed', 'NATS connection closed');
  return new RpcTransportError('failed', `request ${pattern} failed: ${e instanceof Error ? e.message : String(e)}`);
}
