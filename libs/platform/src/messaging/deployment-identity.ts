import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { busSubject, ControlSubjects, type NodeStatus, type PeerService } from '@app/contracts';
import { DEPLOYMENT_CONFIG, ProcessIdentity, ROOT_LOGGER } from '../runtime/runtime.module.js';

/** An instance of another deployment met on the bus, and how. */
export interface ForeignInstance {
  service: PeerService;
  instanceId: string;
  deployment: string;
  /** How it was met: `discovery`, `request` (it sent us one), `reply` (it answered one of ours), `broadcast` (we heard one of its, and ignored it). */
  via: 'discovery' | 'request' | 'reply' | 'broadcast';
  lastSeenAt: Date;
}

/** How long an instance of another deployment counts as present after it was last seen (four discovery rounds). */
export const FOREIGN_MEMORY_MS = 60_000;

/** How often each service asks who is on its subjects (a `te.control.discover` broadcast, NATS only). */
export const DISCOVERY_INTERVAL_MS = 15_000;

/**
 * Which deployment this process belongs to, and the instances of other deployments it has met on the bus.
 *
 * Two deployments that share a NATS server and `[transport.nats] subject_prefix` (none set, or the same)
 * hear each other's subjects: a portal's call may reach the other deployment's Key Manager. The deployment id
 * tells them apart — the Key Manager generates it once and keeps it in its database, the portal pins the
 * Key Manager deployment it first agreed with in its own. Every request and reply carries it; a receiver of
 * another deployment refuses before doing anything (`FOREIGN_DEPLOYMENT`), and each such meeting is logged
 * once per instance and shown by `/health/ready`.
 */
@Injectable()
export class DeploymentIdentity {
  private current: string | undefined;
  private readonly foreign = new Map<string, ForeignInstance>();
  private readonly logger: Logger;

  constructor(
    @Inject(ProcessIdentity) private readonly identity: ProcessIdentity,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: Pick<DeploymentConfig, 'nats'>,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'deployment' });
  }

  /** This process's deployment, once known (the Key Manager: at start; a portal: once pinned). */
  get id(): string | undefined {
    return this.current;
  }

  adopt(id: string): void {
    this.current = id;
  }

  /** Whether `deployment` (a peer's) names another deployment than this one. Unknown on either side is not foreign. */
  isForeign(deployment: string | undefined): deployment is string {
    return this.current !== undefined && typeof deployment === 'string' && deployment !== this.current;
  }

  /** Records an instance of another deployment; the first meeting with each is logged as an error. */
  noteForeign(peer: { service: PeerService; instanceId: string; deployment: string }, via: ForeignInstance['via']): void {
    const known = this.foreign.get(peer.instanceId);
    this.foreign.set(peer.instanceId, { service: peer.service, instanceId: peer.instanceId, deployment: peer.deployment, via, lastSeenAt: new Date() });
    if (known) return;
    const prefix = this.config.nats.subjectPrefix;
    const what =
      via === 'request'
        ? 'sent this instance a request (refused)'
        : via === 'reply'
          ? 'answered a call of this instance (its answer was refused)'
          : via === 'broadcast'
            ? 'sent a broadcast this instance heard (ignored)'
            : 'answers on the same subjects';
    this.logger.error(
      { foreign: { service: peer.service, instanceId: peer.instanceId, deployment: peer.deployment }, deployment: this.current, subjectPrefix: prefix },
      `${peer.service} instance ${peer.instanceId} of another deployment (${peer.deployment}; this one is ${this.current ?? 'not known yet'}) ${what}: ` +
        `two deployments share this NATS server and ${prefix ? `subject prefix "${prefix}"` : 'have no subject prefix'}. ` +
        'Nothing is served across deployments, but calls that reach the other one must go again: give each deployment its own [transport.nats] subject_prefix',
    );
  }

  /** Instances of other deployments seen within {@link FOREIGN_MEMORY_MS}. */
  recentForeign(now = Date.now()): ForeignInstance[] {
    for (const [id, f] of this.foreign) if (now - f.lastSeenAt.getTime() > FOREIGN_MEMORY_MS) this.foreign.delete(id);
    return [...this.foreign.values()].sort((a, b) => a.service.localeCompare(b.service) || a.instanceId.localeCompare(b.instanceId));
  }

  /**
   * Whether the foreign instances seen stop this service from serving well: a portal whose calls may reach
   * another deployment's Key Manager is not ready; a Key Manager that refuses foreign callers still serves
   * its own, and is only degraded.
   */
  impaired(foreign: ForeignInstance[]): boolean {
    return this.identity.service !== 'key-manager' && foreign.some((f) => f.service === 'key-manager');
  }
}

/**
 * Every instance that answers `te.control.discover` under the subject prefix within `maxWaitMs` (stops
 * early once answers stall). Used by `cli encryption status` and by each service's look-out for foreign
 * instances.
 */
export async function discoverNodes(nc: NatsConnection, subjectPrefix: string, options: { refresh?: boolean; maxWaitMs: number }): Promise<NodeStatus[]> {
  const body = JSON.stringify(options.refresh ? { refresh: true } : {});
  const replies = await nc.requestMany(busSubject(subjectPrefix, ControlSubjects.Discover), body, {
    strategy: 'stall',
    stall: options.refresh ? 2000 : 300,
    maxWait: options.maxWaitMs,
  });
  const nodes: NodeStatus[] = [];
  for await (const msg of replies) nodes.push(msg.json<NodeStatus>());
  return nodes.sort((a, b) => a.service.localeCompare(b.service) || a.instanceId.localeCompare(b.instanceId));
}
