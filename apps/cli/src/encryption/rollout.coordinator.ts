import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EncryptionProfile } from '@app/crypto';
import { busSubject, ControlSubjects, type ControlReply, type ControlSubject, type NodeStatus } from '@app/contracts';
import { discoverNodes } from '@app/platform';

export interface RolloutStepResult {
  step: 'prepare' | 'commit' | 'finish' | 'abort';
  replies: ControlReply[];
  /** Instances that did not answer in time. */
  missing: string[];
}

export interface RolloutResult {
  transitionId: string;
  /** The deployment rolled out (absent when no instance names one: services that predate deployment ids). */
  deployment?: string;
  /** The instances of that deployment: the ones the rollout drives. */
  nodes: NodeStatus[];
  /** Instances of other deployments that answered on the same subjects: left alone. */
  foreign: NodeStatus[];
  target: EncryptionProfile;
  steps: RolloutStepResult[];
  outcome: 'completed' | 'validated' | 'aborted';
  /** Why it was aborted, per instance. */
  failures: Array<{ instanceId: string; service: string; error: string }>;
}

/** Instances of several deployments answer and the CLI was not told which one is meant. */
export class SeveralDeploymentsError extends Error {
  constructor(readonly deployments: string[]) {
    super(`instances of ${deployments.length} deployments answer on these subjects: ${deployments.join(', ')}`);
    this.name = 'SeveralDeploymentsError';
  }
}

/** The distinct deployments of `nodes` (those that name one). */
export function deploymentsOf(nodes: NodeStatus[]): string[] {
  return [...new Set(nodes.flatMap((n) => (n.deployment ? [n.deployment] : [])))].sort();
}

/** `nodes` of `deployment` (and those that name none: they predate deployment ids); all when it is undefined. */
export function ofDeployment(nodes: NodeStatus[], deployment: string | undefined): NodeStatus[] {
  return deployment ? nodes.filter((n) => (n.deployment ?? deployment) === deployment) : nodes;
}

/** Reports each step as it happens (the CLI prints them). */
export type RolloutListener = (event: { step: RolloutStepResult['step']; instanceId: string; ok: boolean; error?: string }) => void;

/**
 * Drives a declared change of encryption settings across every running service instance over NATS
 * broadcasts: discover → prepare (each node reloads its deployment.toml and checks it can read both sides) →
 * commit (all switch writing together) → finish (the old profile is no longer accepted). Any refusal or
 * silence during prepare or commit aborts the change everywhere, back to the settings in use before.
 */
export class RolloutCoordinator {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
    /** `[transport.nats] subject_prefix` of the deployment: only its instances hear the broadcasts. */
    private readonly subjectPrefix = '',
  ) {}

  /** Every instance that answers within the timeout (stops early once replies stall); `refresh` makes each recount its stored values first. */
  discover(options: { refresh?: boolean } = {}): Promise<NodeStatus[]> {
    return discoverNodes(this.nc, this.subjectPrefix, { ...options, maxWaitMs: this.timeoutMs });
  }

  /**
   * Drives the instances of `options.deployment` — or, when it is not given, of the one deployment that
   * answers (throws {@link SeveralDeploymentsError} when several do). Every command names the deployment, so
   * an instance of another one that hears it (same NATS server and subject prefix) ignores it.
   */
  async rollout(target: EncryptionProfile, options: { dryRun?: boolean; listener?: RolloutListener; deployment?: string } = {}): Promise<RolloutResult> {
    const all = await this.discover();
    const deployments = deploymentsOf(all);
    if (!options.deployment && deployments.length > 1) throw new SeveralDeploymentsError(deployments);
    const deployment = options.deployment ?? deployments[0];
    const nodes = ofDeployment(all, deployment);
    const transitionId = randomUUID();
    const result: RolloutResult = {
      transitionId,
      ...(deployment ? { deployment } : {}),
      nodes,
      foreign: all.filter((n) => !nodes.includes(n)),
      target,
      steps: [],
      outcome: 'completed',
      failures: [],
    };
    if (nodes.length === 0) return result;
    const addressed = deployment ? { deployment } : {};
    const expected = nodes.map((n) => n.instanceId);

    const run = async (step: RolloutStepResult['step'], subject: ControlSubject, body: object): Promise<RolloutStepResult> => {
      const r = await this.broadcast(step, subject, body, expected);
      for (const reply of r.replies) options.listener?.({ step, instanceId: reply.instanceId, ok: reply.ok, ...(reply.ok ? {} : { error: reply.error }) });
      for (const id of r.missing) options.listener?.({ step, instanceId: id, ok: false, error: 'no answer' });
      result.steps.push(r);
      return r;
    };
    const failuresOf = (r: RolloutStepResult) => [
      ...r.replies.filter((x): x is Extract<ControlReply, { ok: false }> => !x.ok).map((x) => ({ instanceId: x.instanceId, service: x.service, error: x.error })),
      ...r.missing.map((id) => ({ instanceId: id, service: nodes.find((n) => n.instanceId === id)?.service ?? '?', error: 'did not answer in time' })),
    ];

    const prepared = await run('prepare', ControlSubjects.Prepare, { transitionId, targetFingerprint: target.fingerprint, ...addressed });
    result.failures = failuresOf(prepared);
    if (result.failures.length > 0 || options.dryRun) {
      await run('abort', ControlSubjects.Abort, { transitionId, ...addressed });
      result.outcome = result.failures.length > 0 ? 'aborted' : 'validated';
      return result;
    }
    const committed = await run('commit', ControlSubjects.Commit, { transitionId, ...addressed });
    result.failures = failuresOf(committed);
    if (result.failures.length > 0) {
      await run('abort', ControlSubjects.Abort, { transitionId, ...addressed });
      result.outcome = 'aborted';
      return result;
    }
    // Finish can't fail in a way that matters: a node that misses it keeps accepting both sides until restart.
    await run('finish', ControlSubjects.Finish, { transitionId, ...addressed });
    return result;
  }

  /** Sends to every instance and gathers replies until all `expected` have answered or the timeout passes. */
  private async broadcast(step: RolloutStepResult['step'], subject: ControlSubject, body: object, expected: string[]): Promise<RolloutStepResult> {
    const replies: ControlReply[] = [];
    const it = await this.nc.requestMany(busSubject(this.subjectPrefix, subject), JSON.stringify(body), { strategy: 'timer', maxWait: this.timeoutMs });
    const waiting = new Set(expected);
    for await (const msg of it) {
      const reply = msg.json<ControlReply>();
      replies.push(reply);
      waiting.delete(reply.instanceId);
      if (waiting.size === 0) break;
    }
    return { step, replies: replies.filter((r) => expected.includes(r.instanceId)), missing: [...waiting] };
  }
}
