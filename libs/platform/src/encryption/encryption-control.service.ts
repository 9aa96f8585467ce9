import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ConfigError, reloadConfig, type DeploymentConfig } from '@app/config';
import {
  busSubject,
  ControlSubjects,
  type AddressedCommand,
  type ControlReply,
  type DiscoverCommand,
  type NodeStatus,
  type PrepareCommand,
  type TransitionCommand,
} from '@app/contracts';
import { CryptoError } from '@app/crypto';
import { DeploymentIdentity } from '../messaging/deployment-identity.js';
import { BusConnection } from '../messaging/messaging.module.js';
import { DEPLOYMENT_CONFIG, ProcessIdentity, ROOT_LOGGER } from '../runtime/runtime.module.js';
import { loggableMessage } from '../logging/error-serializer.js';
import { loadEncryptionMaterial } from './encryption-material.js';
import { EncryptionMetrics, type RolloutStep } from './encryption.metrics.js';
import { EncryptionService } from './encryption.service.js';
import { StoredSecretsInspector, UnreadableStoredSecretsError } from './stored-secrets.inspector.js';

/** A prepare step refused by this node, in operator language (never a secret). */
class PrepareRefused extends Error {}

/**
 * This node's side of the encryption control plane (`cli encryption rollout`): answers discovery, and on
 * prepare reloads its deployment.toml, loads the new keys, checks that everything it stores and everything
 * its peers may write stays readable, then stages the change; commit, finish and abort follow. Only the
 * encryption settings of the reloaded file take effect; anything else in it needs a restart.
 */
@Injectable()
export class EncryptionControlService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: BusConnection,
    private readonly encryption: EncryptionService,
    private readonly inspector: StoredSecretsInspector,
    private readonly metrics: EncryptionMetrics,
    private readonly deployment: DeploymentIdentity,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ProcessIdentity) private readonly identity: ProcessIdentity,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'encryption-control' });
  }

  onApplicationBootstrap(): void {
    const nc = this.bus.nats;
    if (!nc) return; // in-process (single-process development mode): restart to change settings
    const handlers: Record<string, (body: unknown) => Promise<unknown>> = {
      [ControlSubjects.Discover]: async (body) => this.status((body as DiscoverCommand | undefined)?.refresh === true),
      [ControlSubjects.Prepare]: async (body) => this.prepare(body as PrepareCommand),
      [ControlSubjects.Commit]: async (body) => this.step('commit', body as TransitionCommand),
      [ControlSubjects.Finish]: async (body) => this.step('finish', body as TransitionCommand),
      [ControlSubjects.Abort]: async (body) => this.step('abort', body as TransitionCommand),
    };
    const steps: Record<string, RolloutStep> = {
      [ControlSubjects.Prepare]: 'prepare',
      [ControlSubjects.Commit]: 'commit',
      [ControlSubjects.Finish]: 'finish',
      [ControlSubjects.Abort]: 'abort',
    };
    for (const [subject, handle] of Object.entries(handlers)) {
      const step = steps[subject];
      this.subscriptions.push(
        nc.subscribe(busSubject(this.config.nats.subjectPrefix, subject), {
          callback: (err, msg) => {
            if (err) return;
            void (async () => {
              let reply: unknown;
              try {
                const body: unknown = msg.data.length ? msg.json() : {};
                // A rollout of another deployment (one NATS server, one subject prefix): not ours to apply or to answer.
                const addressed = (body as AddressedCommand | null)?.deployment;
                if (step && this.deployment.isForeign(addressed)) {
                  this.logger.warn({ step, deployment: this.deployment.id, addressed }, `ignored a rollout ${step} meant for deployment ${addressed}: this instance belongs to ${this.deployment.id}`);
                  return;
                }
                reply = await handle(body);
              } catch (e) {
                reply = this.refusal(e);
              }
              if (step) this.metrics.steps.inc({ step, result: (reply as ControlReply).ok ? 'ok' : 'refused' });
              msg.respond(JSON.stringify(reply));
            })();
          },
        }),
      );
    }
  }

  onApplicationShutdown(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
  }

  async status(refresh = false): Promise<NodeStatus> {
    if (refresh) await this.inspector.refresh().catch((e: unknown) => this.logger.warn({ err: e }, 'stored secrets report failed'));
    const report = this.inspector.lastReport;
    return {
      service: this.identity.service,
      instanceId: this.identity.instanceId,
      ...this.deploymentField(),
      profile: this.encryption.profile,
      readableKeyIds: [...this.encryption.readableKeyIds],
      transition: this.encryption.transition,
      storedSecrets: report ? { notCurrent: report.notCurrent, unreadable: report.unreadable, hashOnly: report.hashOnly } : null,
    };
  }

  async prepare(command: PrepareCommand): Promise<ControlReply> {
    if (typeof command?.transitionId !== 'string' || typeof command.targetFingerprint !== 'string') {
      throw new PrepareRefused('malformed prepare command');
    }
    let fresh: DeploymentConfig;
    try {
      fresh = reloadConfig(this.config);
    } catch (e) {
      if (e instanceof ConfigError) throw new PrepareRefused(`cannot reload ${this.config.file}:\n${e.format()}`);
      throw e;
    }
    const next = await loadEncryptionMaterial(fresh, this.logger);
    if (next.profile.fingerprint !== command.targetFingerprint) {
      throw new PrepareRefused(
        `${this.config.file} on this node gives encryption profile ${next.profile.fingerprint}, the rollout expects ${command.targetFingerprint}: ` +
          'every node must have the same deployment.toml (and the same keystores) before the rollout',
      );
    }
    const report = await this.inspector.count(next.processor);
    if (report.unreadable > 0) throw new PrepareRefused(new UnreadableStoredSecretsError(report.rows.filter((r) => !r.readable)).message);
    const problems = await this.encryption.runPrepareChecks(next);
    if (problems.length > 0) throw new PrepareRefused(problems.join('\n'));
    let transition;
    try {
      transition = this.encryption.stage(command.transitionId, next);
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      throw new PrepareRefused(
        `the new settings cannot read what this node writes now (key id ${this.encryption.profile.keyId ?? 'none'}): ` +
          'keep the current key configured (as [[keystore.old]] or [encryption] old_key) until the change completes and `tokens migrate` has run',
      );
    }
    this.logger.warn({ transitionId: command.transitionId, from: transition.from, to: transition.to }, 'encryption change prepared: reading both, still writing the current settings');
    return this.ok();
  }

  private async step(kind: 'commit' | 'finish' | 'abort', command: TransitionCommand): Promise<ControlReply> {
    const id = command?.transitionId;
    if (typeof id !== 'string') throw new PrepareRefused(`malformed ${kind} command`);
    if (kind === 'commit') {
      const t = this.encryption.commit(id);
      this.logger.warn({ transitionId: id, profile: t.to }, 'encryption change committed: writing with the new settings');
    } else if (kind === 'finish') {
      this.encryption.finish(id);
      this.logger.warn({ transitionId: id, profile: this.encryption.profile }, 'encryption change finished: only the new settings are accepted');
      void this.inspector.refresh().catch(() => undefined);
    } else if (this.encryption.abort(id)) {
      this.logger.warn({ transitionId: id, profile: this.encryption.profile }, 'encryption change aborted: back to the previous settings');
    }
    return this.ok();
  }

  private deploymentField(): { deployment?: string } {
    const deployment = this.deployment.id;
    return deployment ? { deployment } : {};
  }

  private ok(): ControlReply {
    return { ok: true, service: this.identity.service, instanceId: this.identity.instanceId, ...this.deploymentField(), profile: this.encryption.profile, transition: this.encryption.transition };
  }

  private refusal(e: unknown): ControlReply {
    const error =
      e instanceof PrepareRefused || e instanceof UnreadableStoredSecretsError
        ? e.message
        : e instanceof CryptoError
          ? `cannot load the new keys: ${e.message} [${e.code}]`
          : loggableMessage(e);
    this.logger.error({ reason: error }, 'encryption control command refused');
    return { ok: false, service: this.identity.service, instanceId: this.identity.instanceId, ...this.deploymentField(), error };
  }
}
