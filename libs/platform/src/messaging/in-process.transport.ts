import { Server, BaseRpcContext, type CustomTransportStrategy } from '@nestjs/microservices';
import type { WritePacket } from '@nestjs/microservices';
import { type RpcTransport, RpcTransportError } from './rpc-transport.js';

type Responder = (body: string) => Promise<string>;

/**
 * A message bus inside one process. Used only by the single-process development mode, when no NATS server
 * is reachable: the Key Manager registers its handlers here and the portal's client calls them, through the
 * same JSON wire format as on NATS (so payloads behave the same: no shared objects, dates as strings).
 */
export class InProcessBus {
  private readonly responders = new Map<string, Responder>();

  /**
   * @param serve runs each request's handling (default: as it comes). `npm start` with tracing on passes
   *   one that runs it as the Key Manager's, so its spans are the Key Manager's, not its caller's.
   */
  constructor(private readonly serve: <T>(handle: () => Promise<T>) => Promise<T> = (handle) => handle()) {}

  private readonly listeners = new Map<string, Set<(body: string) => void>>();

  /** Delivers a broadcast to this process's listeners of `subject`, after the caller's turn (as NATS would). */
  publish(subject: string, body: string): void {
    for (const listener of this.listeners.get(subject) ?? []) queueMicrotask(() => listener(body));
  }

  /** Listens to the broadcasts on `subject`; returns the way to stop. */
  listen(subject: string, listener: (body: string) => void): () => void {
    const set = this.listeners.get(subject) ?? new Set();
    this.listeners.set(subject, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  register(pattern: string, responder: Responder): void {
    this.responders.set(pattern, responder);
  }

  unregister(pattern: string): void {
    this.responders.delete(pattern);
  }

  async request(pattern: string, body: string): Promise<string> {
    const responder = this.responders.get(pattern);
    if (!responder) throw new RpcTransportError('no-responders', `no responders for ${pattern}`);
    return this.serve(() => responder(body));
  }
}

export class InProcessContext extends BaseRpcContext<[string]> {
  getPattern(): string {
    return this.args[0];
  }
}

/** The Nest transport strategy that serves `@MessagePattern` handlers on an {@link InProcessBus}. */
export class InProcessServer extends Server implements CustomTransportStrategy {
  private readonly registered: string[] = [];

  constructor(private readonly bus: InProcessBus) {
    super();
  }

  listen(callback: () => void): void {
    for (const pattern of this.messageHandlers.keys()) {
      this.bus.register(pattern, (body) => this.respond(pattern, body));
      this.registered.push(pattern);
    }
    callback();
  }

  close(): void {
    for (const p of this.registered.splice(0)) this.bus.unregister(p);
  }

  on(): void {
    // No connection events in-process.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private async respond(pattern: string, body: string): Promise<string> {
    const packet = JSON.parse(body) as { id: string; data: unknown };
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) return JSON.stringify({ id: packet.id, err: 'no handler', isDisposed: true });
    const stream$ = this.transformToObservable(await handler(packet.data, new InProcessContext([pattern])));
    return new Promise<string>((resolve) => {
      let settled = false;
      this.send(stream$, (reply: WritePacket) => {
        if (!settled && (reply.response !== undefined || reply.err !== undefined || reply.isDisposed)) {
          settled = true;
          resolve(JSON.stringify({ id: packet.id, ...reply }));
        }
      });
    });
  }
}

/** Client side of the in-process bus. */
export class InProcessRpcTransport implements RpcTransport {
  constructor(private readonly bus: InProcessBus) {}

  async request(pattern: string, body: string, timeoutMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RpcTransportError('timeout', `no reply to ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.bus.request(pattern, body), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {}
}
