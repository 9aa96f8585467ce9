import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { DeploymentConfig } from '@app/config';
import {
  IDEMPOTENT_COMMANDS,
  isRpcErrorBody,
  RpcErrorCodes,
  type KeyManagerContract,
  type PeerInfo,
  type RequestOf,
  type ResponseOf,
  type RpcErrorCode,
  type RpcReply,
  type RpcRequest,
} from '@app/contracts';
import { EncryptionService } from '../encryption/encryption.service.js';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { DEPLOYMENT_CONFIG, ProcessIdentity, ROOT_LOGGER } from '../runtime/runtime.module.js';
import { DeploymentIdentity } from './deployment-identity.js';
import { RPC_TRANSPORT, RpcTransportError, type RpcTransport } from './rpc-transport.js';

/** A failed call to the Key Manager, with the stable code of the reply (or `TIMEOUT`). Never holds a secret. */
export class KeyManagerCallError extends Error {
  constructor(
    readonly code: RpcErrorCode | 'TIMEOUT',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'KeyManagerCallError';
  }
}

/** Parsed reply of one attempt. */
type WireReply<T> = { err?: unknown; response?: RpcReply<T> };

/** At most this many copies of one call are out at a time (the first and two hedges). */
const MAX_IN_FLIGHT = 3;

/** Why a copy of a call was sent again: no answer yet (hedge), or what the previous copy met. */
type ResendReason = 'hedge' | 'no-responders' | 'unavailable' | 'foreign' | 'disconnected' | 'timeout';

/** The calls' metrics, on the service's registry: duration and outcome by command, and copies sent again. */
class KeyManagerClientMetrics {
  readonly calls: Histogram<'command' | 'outcome'>;
  readonly resends: Counter<'command' | 'reason'>;

  constructor(registry: Registry) {
    this.calls = new Histogram({
      name: 'key_manager_client_call_duration_seconds',
      help: 'Calls to the Key Manager over the bus, by command and outcome (ok, or the lowercased error code: invalid_credentials, not_found, throttled, unavailable, timeout…), hedges and retries included',
      labelNames: ['command', 'outcome'],
      buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.resends = new Counter({
      name: 'key_manager_client_resends_total',
      help: 'Copies of a call to the Key Manager sent again: hedge (no answer yet), no-responders, unavailable, foreign (a Key Manager of another deployment got it), disconnected, timeout',
      labelNames: ['command', 'reason'],
      registers: [registry],
    });
  }
}

/**
 * The typed client of the Key Manager's bus API. Every request carries this node's identity and encryption
 * profile; every reply's profile is checked in turn, so two services that would store secrets differently
 * never exchange them silently.
 *
 * Every call survives the loss of one Key Manager instance or one NATS node, within the configured request
 * timeout:
 * - **no responders** (no Key Manager subscribed right now: a restart, a rolling update), an instance
 *   answering `UNAVAILABLE` (draining), and a Key Manager of another deployment (two deployments on one
 *   NATS server and subject prefix: it refuses, or its answer is refused, and {@link DeploymentIdentity}
 *   records it) — sent again after a short backoff, reaching another instance;
 * - **the NATS connection dropped** — sent again at once; the NATS client holds it until it is connected
 *   to another node of the cluster;
 * - **no answer yet** after {@link hedgeAfterMs} (the instance that took it may have died: a process killed
 *   with -9 tells no-one) — a second copy goes out, and a third later; the first answer of any copy wins.
 *
 * Sending a call twice is safe: reads and settings are repeatable as they are, and the commands of
 * `IDEMPOTENT_COMMANDS` carry one idempotency key on every copy, so the Key Manager does them once and
 * answers every copy with the first result.
 */
@Injectable()
export class KeyManagerClient {
  private readonly logger: Logger;
  /** How long a call waits for an answer before sending a second copy: `[transport.nats] hedge_delay`, else a fifth of the request timeout, 200 ms to 1 s. */
  readonly hedgeAfterMs: number;
  private readonly metrics: KeyManagerClientMetrics;

  constructor(
    @Inject(RPC_TRANSPORT) private readonly transport: RpcTransport,
    private readonly encryption: EncryptionService,
    @Inject(ProcessIdentity) private readonly identity: ProcessIdentity,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
    private readonly deployment: DeploymentIdentity,
  ) {
    this.logger = logger.child({ component: 'key-manager-client' });
    this.metrics = new KeyManagerClientMetrics(metrics.registry);
    this.hedgeAfterMs = config.nats.hedgeDelayMs ?? Math.min(1000, Math.max(200, Math.round(config.nats.requestTimeoutMs / 5)));
  }

  /** This node as the Key Manager sees it. */
  self(): PeerInfo {
    const deployment = this.deployment.id;
    return { service: this.identity.service, instanceId: this.identity.instanceId, profile: this.encryption.profile, ...(deployment ? { deployment } : {}) };
  }

  async call<P extends keyof KeyManagerContract>(pattern: P, data: RequestOf<P>, requestId: string = randomUUID()): Promise<ResponseOf<P>> {
    const end = this.metrics.calls.startTimer({ command: pattern });
    try {
      const response = await this.callOnce(pattern, data, requestId);
      end({ outcome: 'ok' });
      return response;
    } catch (error) {
      end({ outcome: error instanceof KeyManagerCallError ? error.code.toLowerCase() : 'error' });
      throw error;
    }
  }

  private async callOnce<P extends keyof KeyManagerContract>(pattern: P, data: RequestOf<P>, requestId: string): Promise<ResponseOf<P>> {
    const request: RpcRequest<RequestOf<P>> = {
      sender: this.self(),
      requestId,
      ...(IDEMPOTENT_COMMANDS.has(pattern) ? { idempotencyKey: randomUUID() } : {}),
      data,
    };
    const body = JSON.stringify({ id: requestId, pattern, data: request });
    const reply = await this.exchange<ResponseOf<P>>(pattern, body);
    if (reply.err !== undefined && reply.err !== null) {
      const err = isRpcErrorBody(reply.err) ? reply.err : { code: RpcErrorCodes.Internal, message: 'the Key Manager failed to handle the request' };
      if (err.code === RpcErrorCodes.ProfileMismatch) {
        this.logger.error({ pattern, requestId, details: err.details }, `the Key Manager refused the request: ${err.message}`);
      }
      throw new KeyManagerCallError(err.code, err.message, err.details);
    }
    const response = reply.response as RpcReply<ResponseOf<P>>;
    const check = this.encryption.check(response.responder.profile);
    if (!check.compatible) {
      const message = `encryption settings differ from Key Manager instance ${response.responder.instanceId}: ${check.differences.join('; ')}`;
      this.logger.error({ pattern, requestId, responder: response.responder.instanceId, differences: check.differences }, message);
      throw new KeyManagerCallError(RpcErrorCodes.ProfileMismatch, message, { differences: check.differences, responder: response.responder.instanceId });
    }
    return response.data;
  }

  /**
   * Whether the answer came from a Key Manager of another deployment: it refused the call
   * (`FOREIGN_DEPLOYMENT`: this portal is pinned to another deployment), or it answered one this portal
   * must not take (it names another deployment than the one this portal is pinned to). Recorded either way.
   */
  private fromAnotherDeployment(reply: WireReply<unknown>): boolean {
    if (isRpcErrorBody(reply.err) && reply.err.code === RpcErrorCodes.ForeignDeployment) {
      const d = reply.err.details ?? {};
      if (typeof d['deployment'] === 'string' && typeof d['instanceId'] === 'string') {
        this.deployment.noteForeign({ service: 'key-manager', instanceId: d['instanceId'], deployment: d['deployment'] }, 'reply');
      }
      return true;
    }
    const responder = reply.response?.responder;
    if (!responder || !this.deployment.isForeign(responder.deployment)) return false;
    this.deployment.noteForeign({ service: responder.service, instanceId: responder.instanceId, deployment: responder.deployment }, 'reply');
    return true;
  }

  /**
   * Sends `body` until one copy is answered (anything but UNAVAILABLE) or the request timeout passes;
   * see the class comment for when a copy is sent again.
   */
  private exchange<T>(pattern: string, body: string): Promise<WireReply<T>> {
    const timeoutMs = this.config.nats.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    return new Promise<WireReply<T>>((resolve, reject) => {
      let settled = false;
      let pending = 0;
      let retries = 0;
      let lastProblem = '';
      let hedgeTimer: NodeJS.Timeout | undefined;
      let retryTimer: NodeJS.Timeout | undefined;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(hedgeTimer);
        clearTimeout(retryTimer);
        clearTimeout(deadlineTimer);
        outcome();
      };
      const deadlineTimer = setTimeout(
        () =>
          finish(() =>
            reject(
              lastProblem === 'foreign'
                ? new KeyManagerCallError(RpcErrorCodes.Unavailable, `no Key Manager of this deployment answered ${pattern} within ${timeoutMs} ms (one of another deployment refused it)`)
                : lastProblem === 'no-responders' || lastProblem === 'unavailable' || lastProblem === 'disconnected'
                ? new KeyManagerCallError(RpcErrorCodes.Unavailable, `no Key Manager answered ${pattern} within ${timeoutMs} ms (${lastProblem})`)
                : new KeyManagerCallError('TIMEOUT', `the Key Manager did not answer ${pattern} within ${timeoutMs} ms`),
            ),
          ),
        timeoutMs,
      );
      /** After a failed copy: send again (after `delayMs`) unless another copy is still out. */
      const again = (problem: ResendReason, delayMs: number) => {
        lastProblem = problem;
        if (settled || pending > 0 || retryTimer) return;
        const wait = Math.min(delayMs, Math.max(0, deadline - Date.now() - 50));
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          if (!settled && deadline - Date.now() > 0) this.metrics.resends.inc({ command: pattern, reason: problem });
          send();
        }, wait);
      };
      const backoff = () => Math.min(50 * 2 ** retries++, 500);
      const send = () => {
        const remaining = deadline - Date.now();
        if (settled || remaining <= 0) return;
        pending++;
        clearTimeout(hedgeTimer);
        hedgeTimer = setTimeout(() => {
          if (!settled && pending > 0 && pending < MAX_IN_FLIGHT) {
            this.logger.debug({ pattern, pending }, 'no answer yet: sending the call again');
            this.metrics.resends.inc({ command: pattern, reason: 'hedge' });
            send();
          }
        }, this.hedgeAfterMs);
        this.transport.request(pattern, body, remaining).then(
          (text) => {
            pending--;
            const reply = JSON.parse(text) as WireReply<T>;
            if (isRpcErrorBody(reply.err) && reply.err.code === RpcErrorCodes.Unavailable) return again('unavailable', backoff());
            if (this.fromAnotherDeployment(reply)) return again('foreign', backoff());
            finish(() => resolve(reply));
          },
          (error: unknown) => {
            pending--;
            if (!(error instanceof RpcTransportError)) return finish(() => reject(error));
            switch (error.reason) {
              case 'no-responders':
                return again('no-responders', backoff());
              case 'disconnected':
                return again('disconnected', 0);
              case 'timeout':
                return again('timeout', 0);
              default:
                return finish(() =>
                  reject(new KeyManagerCallError(RpcErrorCodes.Unavailable, `the Key Manager is unreachable (${error.message})`)),
                );
            }
          },
        );
      };
      send();
    });
  }
}
