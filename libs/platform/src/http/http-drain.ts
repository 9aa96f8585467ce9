import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A connection of the draining server is closed once it has carried no request for this long: a client
 * that sends steadily on it gets `Connection: close` with its next answer instead (closing a connection a
 * client may be sending on at that moment is what fails requests); one it no longer uses goes quietly.
 */
export const DRAIN_IDLE_MS = 1000;

interface ConnectionState {
  /** Requests read from it and not answered yet. */
  busy: number;
  /** When it last finished an answer (or was opened). */
  idleSince: number;
}

/** What a drain did: how long it took, and how many connections were still open at the deadline. */
export interface DrainResult {
  ms: number;
  cutAtDeadline: number;
}

/**
 * The graceful stop of an HTTP server (issue 15): on {@link drain}, the listening socket closes at once (a
 * new connection is refused, so a load balancer tries the next instance without having sent anything),
 * requests under way finish, every answer from then on says `Connection: close`, and connections are closed
 * once idle ({@link DRAIN_IDLE_MS}) — never while a request is on them — or, whatever they carry, at the
 * deadline (`[server] shutdown_timeout`).
 *
 * Node's `http.Server.close()` would close every idle kept-alive connection at once, including the one a
 * client is reusing between two requests: that client sees its request fail with a reset (the cause of the
 * failed requests at a SIGTERM before). So the listener is closed with `net.Server`'s close, which leaves
 * open connections alone, and the idle ones are closed here.
 */
export class HttpDrain {
  private readonly connections = new Map<Socket, ConnectionState>();
  private draining = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { busy: 0, idleSince: Date.now() });
      socket.once('close', () => this.connections.delete(socket));
    });
    server.on('request', (request: { socket: Socket }, response: { once(event: 'close', listener: () => void): unknown }) => {
      const state = this.connections.get(request.socket);
      if (!state) return;
      state.busy++;
      response.once('close', () => {
        state.busy--;
        state.idleSince = Date.now();
      });
    });
  }

  /** Whether a stop has begun: answers carry `Connection: close` from then on. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Stops taking connections and waits for the open ones to end (at most `timeoutMs`, then closes them). */
  async drain(timeoutMs: number): Promise<DrainResult> {
    const started = Date.now();
    this.draining = true;
    if (this.server.listening) NetServer.prototype.close.call(this.server);
    const deadline = started + timeoutMs;
    while (this.connections.size > 0 && Date.now() < deadline) {
      const now = Date.now();
      for (const [socket, state] of this.connections) {
        if (state.busy === 0 && now - state.idleSince >= DRAIN_IDLE_MS) socket.destroy();
      }
      await sleep(Math.min(50, Math.max(1, deadline - now)));
    }
    const cutAtDeadline = this.connections.size;
    for (const socket of this.connections.keys()) socket.destroy();
    return { ms: Date.now() - started, cutAtDeadline };
  }
}
