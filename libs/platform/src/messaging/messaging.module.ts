import { type DynamicModule, Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ServerNats, type MicroserviceOptions } from '@nestjs/microservices';
import { busSubject } from '@app/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DeploymentConfig } from '@app/config';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { DEPLOYMENT_CONFIG, ProcessIdentity } from '../runtime/runtime.module.js';
import { BusMetrics } from './bus.metrics.js';
import { traceBusRequests } from './bus-tracing.js';
import { DeploymentIdentity } from './deployment-identity.js';
import { InProcessRpcTransport, InProcessServer, type InProcessBus } from './in-process.transport.js';
import { KeyManagerClient } from './key-manager.client.js';
import { connectNats, NATS_CONNECTION_DEFAULTS, natsLoginOptions, NatsRpcTransport } from './nats-connection.js';
import { RPC_TRANSPORT, type RpcTransport } from './rpc-transport.js';

/** Which bus the services use: NATS (every deployment) or an in-process bus (single-process development mode). */
export type BusOption = { kind: 'nats' } | { kind: 'in-process'; bus: InProcessBus };

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
  ) {}

  /**
   * Sends a broadcast (JSON) to every instance listening on `subject` (of {@link BusEvents}), under the
   * subject prefix. Fire and forget: while NATS is reconnecting the client holds it and sends it on the
   * next node.
   */
  publish(subject: string, payload: unknown): void {
    const body = JSON.stringify(payload);
    if ('local' in this.broadcast) return this.broadcast.local.publish(subject, body);
    if (this.nats && !this.nats.isClosed() && !this.nats.isDraining()) this.nats.publish(busSubject(this.broadcast.subjectPrefix, subject), body);
  }

  /**
   * Calls `handle` with each broadcast on `subject` (not in a queue group: every instance gets every one),
   * and `missed` after each reconnection to NATS — broadcasts sent while this instance was cut off are
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
 */
export class PrefixedNatsServer extends ServerNats {
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
          inject: [DEPLOYMENT_CONFIG, ProcessIdentity],
          useFactory: async (config: DeploymentConfig, identity: ProcessIdentity) => {
            if (bus.kind === 'in-process') return new BusConnection('in-process', new InProcessRpcTransport(bus.bus), undefined, { local: bus.bus });
            const nc = await connectNats(config, identity.instanceId);
            return new BusConnection('nats', new NatsRpcTransport(nc, config.nats.subjectPrefix), nc, { subjectPrefix: config.nats.subjectPrefix });
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

