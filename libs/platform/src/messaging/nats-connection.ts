import { connect, type NatsConnection, errors } from '@nats-io/transport-node';
import type { DeploymentConfig } from '@app/config';
import { busSubject } from '@app/contracts';
import { type RpcTransport, RpcTransportError } from './rpc-transport.js';

/** Opens a NATS connection with the deployment's servers and credentials; reconnects forever. */
export async function connectNats(config: Pick<DeploymentConfig, 'nats'>, name: string): Promise<NatsConnection> {
  return connect({
    servers: config.nats.servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...(config.nats.user ? { user: config.nats.user, pass: config.nats.password ?? '' } : {}),
  });
}

/**
 * Request/reply over NATS with `request()` (a shared reply inbox; "no responders" reported at once), on
 * the subjects of `[transport.nats] subject_prefix`.
 */
export class NatsRpcTransport implements RpcTransport {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectPrefix = '',
  ) {}

  async request(pattern: string, body: string, timeoutMs: number): Promise<string> {
    try {
      const msg = await this.nc.request(busSubject(this.subjectPrefix, pattern), body, { timeout: timeoutMs });
      return msg.string();
    } catch (e) {
      throw toTransportError(e, pattern, timeoutMs);
    }
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
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
