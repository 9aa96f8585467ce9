import { type DynamicModule, Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ServerNats, type MicroserviceOptions } from '@nestjs/microservices';
import { Counter } from 'prom-client';
import { busSubject, type BroadcastSender } from '@app/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DeploymentConfig } from '@app/config';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { DEPLOYMENT_CONFIG, ProcessIdentity } from '../runtime/runtime.module.js';
import { BusMetrics } from './bus.metrics.js';
import { traceBusRequests } from './bus-tracing.js';
import { DeploymentIdentity } from './deployment-identity.js';
import { InProcessRpcTransport, InProcessServer, type InProcessBus } from './in-process.transport.js';
import { KeyManagerClient } from './key-manager.client.js';
import { closeIfCreationFails } from '../runtime/failed-start.js';
import { closeNats, connectNats, NATS_CONNECTION_DEFAULTS, natsLoginOptions, NatsRpcTransport } from './nats-connection.js';
import { RPC_TRANSPORT, type RpcTransport } from './rpc-transport.js';

/** Which bus the services use: NATS (every deployment) or an in-process bus (single-process development mode). */
export type BusOption = { kind: 'nats' } | { kind: 'in-process'; bus: InProcessBus };

/**
 * Who this process is on the bus, for broadcasts: each one it sends says so (`sender`), and those of
 * another deployment are ignored — and counted (`ignored`), and each sending instance logged once.
 */
export interface BroadcastOrigin {
  identity: ProcessIdentity;
  deployment: DeploymentIdentity;
  ignored?: () => void;
}

/** This process's own bus connection: requests to the Key Manager, broadcasts, health. */
@Injectable()
export class BusConnection implements OnApplicationShutdown {
  private readonly stops: Array<() => void> = [];

  constructor(
    readonly kind: 'nats' | 'in-process',
    readonly transport: RpcTransport,
    /** The raw NATS connection (absent in-process). */
    readonly nats: NatsConnection | undefined,
    private readonly broadcast: { subjectPrefix: string } | { local: InProcessBus },
    /** Absent: broadcasts go without `sender` and every one is heard. */
    private readonly origin?: BroadcastOrigin,
  ) {}

  /**
   * Sends a broadcast (JSON) to every instance listening on `subject` (of {@link BusEvents}), under the
   * subject prefix. Fire and forget: while NATS is reconnecting the client holds it and sends it on the
   * next node.
   */
  publish(subject: string, payload: object): void {
    const sender: BroadcastSender | undefined = this.origin && {
      service: this.origin.identity.service,
      instanceId: this.origin.identity.instanceId,
      ...(this.origin.deployment.id !== undefined ? { deployment: this.origin.deployment.id } : {}),
    };
    const body = JSON.stringify(sender ? { ...payload, sender } : payload);
    if ('local' in this.broadcast) return this.broadcast.local.publish(subject, body);
    if (this.nats && !this.nats.isClosed() && !this.nats.isDraining()) this.nats.publish(busSubject(this.broadcast.subjectPrefix, subject), body);
  }

  /**
   * Calls `handle` with each broadcast on `subject` (not in a queue group: every instance gets every one;
   * without its `sender`), except those another deployment sent, and `missed` after each reconnection to NATS — broadcasts sent while this instance was cut off are
   * lost, so whatever they could have changed must be treated as changed. Stops at shutdown.
   */
  listen(subject: string, handle: (payload: unknown) => void, missed: () => void): void {
    const deliver = (body: string) => {
      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        return; // not ours: a malformed broadcast is ignored
      }
      if (payload !== null && typeof payload === 'object' && 'sender' in payload) {
        const { sender, ...event } = payload as { sender?: Partial<BroadcastSender> };
        if (this.isForeign(sender)) return;
        payload = event;
      }
      handle(payload);
    };
    if ('local' in this.broadcast) {
      this.stops.push(this.broadcast.local.listen(subject, deliver));
      return;
    }
    const nc = this.nats;
    if (!nc) return;
    const subscription = nc.subscribe(busSubject(this.broadcast.subjectPrefix, subject), {
      callback: (err, msg) => {
        if (!err) deliver(msg.string());
      },
    });
    let listening = true;
    void (async () => {
      // Ends with the connection (closed at shutdown).
      for await (const s of nc.status()) {
        if (!listening) break;
        if (s.type === 'reconnect') missed();
      }
    })();
    this.stops.push(() => {
      listening = false;
      subscription.unsubscribe();
    });
  }

  /** Whether `sender` is of another deployment (then noted: logged once per instance, and counted). */
  private isForeign(sender: Partial<BroadcastSender> | undefined): boolean {
    const deployment = this.origin?.deployment;
    if (!deployment || !deployment.isForeign(sender?.deployment)) return false;
    const service = sender?.service === 'key-manager' || sender?.service === 'devportal' || sender?.service === 'cli' ? sender.service : 'key-manager';
    deployment.noteForeign({ service, instanceId: String(sender?.instanceId ?? 'unknown'), deployment: sender!.deployment! }, 'broadcast');
    this.origin?.ignored?.();
    return true;
  }

  connected(): boolean {
    return this.kind === 'in-process' || (this.nats !== undefined && !this.nats.isClosed() && !this.nats.isDraining());
  }

  describe(): string {
    return this.kind === 'in-process' ? 'in-process bus' : `NATS ${this.nats?.getServer() ?? 'not connected'}`;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    await this.transport.close().catch(() => undefined);
  }
}

/**
 * Nest's NATS server, subscribing to each pattern under `[transport.nats] subject_prefix`. Handlers stay
 * registered under the bare patterns of `libs/contracts`: only the subjects on the wire carry the prefix.
 * Replies ready in one turn of the event loop go out together, as {@link NatsRpcTransport}'s requests do.
 */
export class PrefixedNatsServer extends ServerNats {
  /** Replies waiting for this turn's check phase. */
  private readonly replies: Array<() => void> = [];

  constructor(
    options: ConstructorParameters<typeof ServerNats>[0],
    private readonly subjectPrefix: string,
  ) {
    super(options);
    // Each request is handled inside the trace its sender's `traceparent` header names (no-op with tracing off).
    traceBusRequests(this);
  }

  override bindEvents(client: Parameters<ServerNats['bindEvents']>[0]): void {
    const prefix = this.subjectPrefix;
    const subscribe = (client as { subscribe: (subject: string, options: unknown) => unknown }).subscribe.bind(client);
    // The same connection, except that subscribe() puts the prefix on the subject.
    const prefixed = Object.create(client as object, {
      subscribe: { value: (subject: string, options: unknown) => subscribe(busSubject(prefix, subject), options) },
    }) as typeof client;
    super.bindEvents(prefixed);
  }

  /**
   * Nest's publisher, sending in this turn's check phase (`setImmediate`) rather than at once: the client
   * writes at the microtask after a publish, and the replies to a batch of requests (one database commit
   * answers them all) become ready one microtask chain at a time, so sent at once they took a socket write
   * each; together they share one. A reply that cannot be sent (the connection closed meanwhile) is logged
   * with the error's message only; its requester times out or, on a dropped connection, asks again.
   */
  override getPublisher(...args: Parameters<ServerNats['getPublisher']>): ReturnType<ServerNats['getPublisher']> {
    const publish = super.getPublisher(...args);
    return (response: unknown) => {
      this.replies.push(() => publish(response));
      if (this.replies.length === 1) setImmediate(() => this.sendReplies());
    };
  }

  private sendReplies(): void {
    for (const send of this.replies.splice(0)) {
      try {
        send();
      } catch (error) {
        this.logger.error(`a reply could not be sent: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /**
   * Nest tries `JSON.parse` on the pattern of every message (patterns may be objects), and ours are plain
   * strings (`km.tokens.issue`): a SyntaxError with its stack trace thrown and caught per request, 1.7 % of
   * the Key Manager's CPU under the portal's generate-token load. A registered route is already what
   * parsing and normalizing would give, so it is looked up as it is; anything else goes Nest's way.
   */
  protected override getRouteFromPattern(pattern: string): string {
    return this.messageHandlers.has(pattern) ? pattern : super.getRouteFromPattern(pattern);
  }
}

/**
 * The Nest microservice options that serve the Key Manager's patterns: NATS in the configured queue group
 * (several instances share the load; draining on shutdown lets in-flight requests finish while peers take
 * new ones) under the subject prefix, or the in-process bus.
 */
export function keyManagerMicroservice(config: DeploymentConfig, bus: BusOption): MicroserviceOptions {
  if (bus.kind === 'in-process') return { strategy: new InProcessServer(bus.bus) };
  const options = {
    servers: config.nats.servers,
    queue: config.nats.queue,
    name: `key-manager-server`,
    ...NATS_CONNECTION_DEFAULTS,
    gracefulShutdown: true,
    gracePeriod: 1500,
    ...natsLoginOptions(config),
  };
  return { strategy: new PrefixedNatsServer(options, config.nats.subjectPrefix) };
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(bus: BusOption): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: BusConnection,
          inject: [DEPLOYMENT_CONFIG, ProcessIdentity, DeploymentIdentity, MetricsRegistry],
          useFactory: async (config: DeploymentConfig, identity: ProcessIdentity, deployment: DeploymentIdentity, metrics: MetricsRegistry) => {
            const ignored = new Counter({
              name: 'bus_foreign_broadcasts_ignored_total',
              help: 'Broadcasts (te.events.*) from an instance of another deployment on the same NATS server and subject prefix, ignored',
              registers: [metrics.registry],
            });
            const origin: BroadcastOrigin = { identity, deployment, ignored: () => ignored.inc() };
            if (bus.kind === 'in-process') return new BusConnection('in-process', new InProcessRpcTransport(bus.bus), undefined, { local: bus.bus }, origin);
            const nc = await connectNats(config, identity.instanceId);
            // Its shutdown hook closes it; should another provider's factory fail, nothing will but this.
            closeIfCreationFails(() => closeNats(nc));
            return new BusConnection('nats', new NatsRpcTransport(nc, config.nats.subjectPrefix), nc, { subjectPrefix: config.nats.subjectPrefix }, origin);
          },
        },
        { provide: RPC_TRANSPORT, inject: [BusConnection], useFactory: (c: BusConnection) => c.transport },
        { provide: BusMetrics, inject: [MetricsRegistry, BusConnection], useFactory: (m: MetricsRegistry, c: BusConnection) => new BusMetrics(m, c) },
        DeploymentIdentity,
        KeyManagerClient,
      ],
      exports: [BusConnection, RPC_TRANSPORT, DeploymentIdentity, KeyManagerClient],
    };
  }
}

