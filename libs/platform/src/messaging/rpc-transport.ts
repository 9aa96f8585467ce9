/**
 * The client side of request/reply on the bus, below the typed Key Manager client: one request, one reply,
 * JSON text both ways in Nest's wire format (`{id, pattern, data}` out, `{id, response | err}` back), so the
 * Key Manager's Nest microservice answers it unchanged. Two implementations: NATS, and in-process for the
 * single-process development mode.
 */
export interface RpcTransport {
  /** Resolves with the reply text; rejects with {@link RpcTransportError}. */
  request(pattern: string, body: string, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * `no-responders`: nobody serves the pattern right now (restart, scale-to-zero); `disconnected`: the
 * connection the request went out on dropped before its reply came — both retryable.
 */
export class RpcTransportError extends Error {
  constructor(
    readonly reason: 'no-responders' | 'disconnected' | 'timeout' | 'closed' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/** Injection token of the {@link RpcTransport} a service uses to reach the Key Manager. */
export const RPC_TRANSPORT = Symbol('RPC_TRANSPORT');
