import { connect, createInbox, errors, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
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
  // No stack captured ahead for errors that may never happen: the client otherwise builds Error objects
  // for a request's context before it knows whether it fails. NatsRpcTransport no longer uses the client's
  // request(); anything else on the connection that does is spared the same cost.
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

/** One request waiting for its reply on the transport's inbox. */
interface PendingRequest {
  resolve(text: string): void;
  reject(error: RpcTransportError): void;
  timer: NodeJS.Timeout;
  /** The subject it was sent to: a publish permission violation names it. */
  subject: string;
  pattern: string;
}

/**
 * Request/reply over NATS through one reply inbox of its own (`_INBOX.<nuid>.*`, one wildcard subscription
 * for every request, as the client's `request()` does: "no responders" reported at once), on the subjects
 * of `[transport.nats] subject_prefix`.
 *
 * Not the client's `request()`: on every request that *succeeds* it rejects its already settled promise
 * with a new `RequestError` ("cancelled") whose stack is captured (`RequestOne.resolver` calls `cancel()`),
 * and races a timer promise against the reply — about 2 % of the portal's CPU under the generate-token
 * load (nats-core 3.4.0, the newest). Here a reply settles one promise and clears one timer; what the
 * client's `request()` reported stays as it was: a timeout, no responders (an empty reply with status 503),
 * a connection closed or draining, a permission violation on the subject or the inbox.
 *
 * When the connection to the NATS node drops, every request in flight on it fails at once with
 * `disconnected` (its reply would have come back through that node): the caller sends it again, and the
 * client holds it until it is connected to another node, instead of each one waiting out its timeout.
 *
 * Requests made in one turn of the event loop go out together, in one socket write: each is published in the
 * turn's check phase (`setImmediate`), not at once. The client writes what was published at its next
 * microtask, so a request published on its own — the portal handling one HTTP request per socket callback —
 * costs a write system call each (a fifth of the portal's CPU under the generate-token load); published
 * together, the requests of all the sockets read in that turn share one, and nats-server reads them at once.
 */
export class NatsRpcTransport implements RpcTransport {
  private readonly pending = new Map<string, PendingRequest>();
  /** Requests waiting for this turn's check phase to be published, in the order they were made. */
  private readonly outgoing: Array<{ reply: string; publish: () => void }> = [];
  /** The inbox's subscription, made at the first request (and again should the server have refused it). */
  private inbox: Subscription | undefined;
  private inboxPrefix = '';
  private sequence = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectPrefix = '',
  ) {
    void this.watch();
  }

  request(pattern: string, body: string, timeoutMs: number): Promise<string> {
    const subject = busSubject(this.subjectPrefix, pattern);
    return tracedRequest(subject, (headers) => this.send(subject, pattern, body, timeoutMs, headers));
  }

  close(): Promise<void> {
    return closeNats(this.nc);
  }

  private send(subject: string, pattern: string, body: string, timeoutMs: number, headers: MsgHdrs | undefined): Promise<string> {
    // What the client's request() checks first: a closed or draining connection, a timeout below 1 ms.
    if (this.nc.isClosed()) return Promise.reject(toTransportError(new errors.ClosedConnectionError(), pattern, timeoutMs));
    if (this.nc.isDraining()) return Promise.reject(toTransportError(new errors.DrainingConnectionError(), pattern, timeoutMs));
    if (timeoutMs < 1) return Promise.reject(toTransportError(errors.InvalidArgumentError.format('timeout', 'must be greater than 0'), pattern, timeoutMs));
    return new Promise<string>((resolve, reject) => {
      let reply: string;
      try {
        reply = this.replySubject();
      } catch (error) {
        reject(toTransportError(error, pattern, timeoutMs));
        return;
      }
      const timer = setTimeout(() => this.settle(reply)?.reject(new RpcTransportError('timeout', `no reply to ${pattern} within ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(reply, { resolve, reject, timer, subject, pattern });
      this.publishSoon(reply, () => {
        try {
          this.nc.publish(subject, body, headers ? { reply, headers } : { reply });
        } catch (error) {
          this.settle(reply)?.reject(toTransportError(error, pattern, timeoutMs));
        }
      });
    });
  }

  /** Publishes `publish` with the others of this turn, in this turn's check phase. */
  private publishSoon(reply: string, publish: () => void): void {
    this.outgoing.push({ reply, publish });
    if (this.outgoing.length === 1) setImmediate(() => this.publishAll());
  }

  private publishAll(): void {
    for (const { reply, publish } of this.outgoing.splice(0)) {
      // Not a request that failed meanwhile (the connection dropped or closed, its timer fired).
      if (this.pending.has(reply)) publish();
    }
  }

  /** A reply subject of its own for one request, under the inbox (subscribed at the first call). */
  private replySubject(): string {
    if (!this.inbox || this.inbox.isClosed()) {
      this.inboxPrefix = `${createInbox()}.`;
      const inbox = this.nc.subscribe(`${this.inboxPrefix}*`, { callback: (error, msg) => this.onReply(inbox, error, msg) });
      this.inbox = inbox;
      // The connection closed (or drained) under requests still waiting: they fail, as the client's own did.
      void inbox.closed.then(() => {
        if (this.inbox === inbox) this.failAll((request) => toTransportError(new errors.RequestError('connection closed'), request.pattern, 0));
      });
    }
    return `${this.inboxPrefix}${(this.sequence++).toString(36)}`;
  }

  private onReply(inbox: Subscription, error: Error | null, msg: Msg): void {
    if (error) {
      // The server refused the inbox's subscription: every request waiting on it fails with that.
      if (this.inbox === inbox) this.failAll((request) => toTransportError(error, request.pattern, 0));
      return;
    }
    const request = this.settle(msg.subject);
    if (!request) return; // answered already (a hedge's twin), or timed out
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      request.reject(new RpcTransportError('no-responders', `no responders for ${request.pattern}`));
      return;
    }
    request.resolve(msg.string());
  }

  /** Takes the request waiting on `reply` out of the table (its timer cleared); undefined if none is. */
  private settle(reply: string): PendingRequest | undefined {
    const request = this.pending.get(reply);
    if (!request) return undefined;
    this.pending.delete(reply);
    clearTimeout(request.timer);
    return request;
  }

  /** Fails every request still waiting, each with the error `reason` gives it. */
  private failAll(reason: (request: PendingRequest) => RpcTransportError): void {
    for (const [reply, request] of [...this.pending]) {
      this.settle(reply);
      request.reject(reason(request));
    }
  }

  private async watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') {
        const server = 'server' in status ? status.server : '';
        this.failAll(() => new RpcTransportError('disconnected', `the connection to NATS ${server} dropped`));
      } else if (status.type === 'error' && status.error instanceof errors.PermissionViolationError && status.error.operation === 'publish') {
        // Not allowed to publish to a request's subject: that request fails at once, as with the client's request().
        const refused = status.error;
        const request = [...this.pending].find(([, r]) => r.subject === refused.subject);
        if (request) this.settle(request[0])?.reject(toTransportError(refused, request[1].pattern, 0));
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
