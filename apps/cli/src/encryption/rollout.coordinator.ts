import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EncryptionProfile } from '@app/crypto';
import { busSubject, ControlSubjects, type ControlReply, type ControlSubject, type NodeStatus } from '@app/contracts';

export interface RolloutStepResult {
  step: 'prepare' | 'commit' | 'finish' | 'abort';
  replies: ControlReply[];
  /** Instances that did not answer in time. */
  missing: string[];
}

export interface RolloutResult {
  transitionId: string;
  nodes: NodeStatus[];
  target: EncryptionProfile;
  steps: RolloutStepResult[];
  outcome: 'completed' | 'validated' | 'aborted';
  /** Why it was aborted, per instance. */
  failures: Array<{ instanceId: string; service: string; error: string }>;
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
  async discover(options: { refresh?: boolean } = {}): Promise<NodeStatus[]> {
    const body = JSON.stringify(options.refresh ? { refresh: true } : {});
    const replies = await this.nc.requestMany(busSubject(this.subjectPrefix, ControlSubjects.Discover), body, { strategy: 'stall', stall: options.refresh ? 2000 : 300, maxWait: this.timeoutMs });
    const nodes: NodeStatus[] = [];
    for await (const msg of replies) nodes.push(msg.json<NodeStatus>());
    return nodes.sort((a, b) => a.service.localeCompare(b.service) || a.instanceId.localeCompare(b.instanceId));
  }

  async rollout(target: EncryptionProfile, options: { dryRun?: boolean; listener?: RolloutListener } = {}): Promise<RolloutResult> {
    const nodes = await this.discover();
    const transitionId = randomUUID();
    const result: RolloutResult = { transitionId, nodes, target, steps: [], outcome: 'completed', failures: [] };
    if (nodes.length === 0) return result;
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

    const prepared = await run('prepare', ControlSubjects.Prepare, { transitionId, targetFingerprint: target.fingerprint });
    result.failures = failuresOf(prepared);
    if (result.failures.length > 0 || options.dryRun) {
      await run('abort', ControlSubjects.Abort, { transitionId });
      result.outcome = result.failures.length > 0 ? 'aborted' : 'validated';
      return result;
    }
    const committed = await run('commit', ControlSubjects.Commit, { transitionId });
    result.failures = failuresOf(committed);
    if (result.failures.length > 0) {
      await run('abort', ControlSubjects.Abort, { transitionId });
      result.outcome = 'aborted';
      return result;
    }
    // Finish can't fail in a way that matters: a node that misses it keeps accepting both sides until restart.
    await run('finish', ControlSubjects.Finish, { transitionId });
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
