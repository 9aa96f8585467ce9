import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import {
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
import { DEPLOYMENT_CONFIG, ProcessIdentity, ROOT_LOGGER } from '../runtime/runtime.module.js';
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

/**
 * The typed client of the Key Manager's bus API. Every request carries this node's identity and encryption
 * profile; every reply's profile is checked in turn, so two services that would store secrets differently
 * never exchange them silently. While no Key Manager is subscribed (a restart, a rolling update) requests
 * are retried until the configured request timeout, so a restart does not fail callers.
 */
@Injectable()
export class KeyManagerClient {
  private readonly logger: Logger;

  constructor(
    @Inject(RPC_TRANSPORT) private readonly transport: RpcTransport,
    private readonly encryption: EncryptionService,
    @Inject(ProcessIdentity) private readonly identity: ProcessIdentity,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'key-manager-client' });
  }

  /** This node as the Key Manager sees it. */
  self(): PeerInfo {
    return { service: this.identity.service, instanceId: this.identity.instanceId, profile: this.encryption.profile };
  }

  async call<P extends keyof KeyManagerContract>(pattern: P, data: RequestOf<P>, requestId: string = randomUUID()): Promise<ResponseOf<P>> {
    const deadline = Date.now() + this.config.nats.requestTimeoutMs;
    const request: RpcRequest<RequestOf<P>> = { sender: this.self(), requestId, data };
    const body = JSON.stringify({ id: requestId, pattern, data: request });
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      let text: string;
      try {
        text = await this.transport.request(pattern, body, Math.max(remaining, 1));
      } catch (e) {
        if (e instanceof RpcTransportError && e.reason === 'no-responders' && remaining > 150) {
          await sleep(Math.min(50 * 2 ** attempt, 500, remaining - 100));
          continue;
        }
        if (e instanceof RpcTransportError && e.reason === 'timeout') {
          throw new KeyManagerCallError('TIMEOUT', `the Key Manager did not answer ${pattern} within ${this.config.nats.requestTimeoutMs} ms`);
        }
        throw new KeyManagerCallError(RpcErrorCodes.Unavailable, `the Key Manager is unreachable (${e instanceof Error ? e.message : String(e)})`);
      }
      const reply = JSON.parse(text) as { err?: unknown; response?: RpcReply<ResponseOf<P>> };
      if (reply.err !== undefined && reply.err !== null) {
        const err = isRpcErrorBody(reply.err) ? reply.err : { code: RpcErrorCodes.Internal, message: 'the Key Manager failed to handle the request' };
        if (err.code === RpcErrorCodes.Unavailable && Date.now() < deadline - 150) {
          await sleep(Math.min(50 * 2 ** attempt, 500));
          continue;
        }
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
  }
}
