import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.module.js';
import { EncryptionService } from './encryption.service.js';

/** The phases a node can be in during `cli encryption rollout`; `none` when no change is open. */
const PHASES = ['none', 'prepared', 'committed'] as const;

/** A step of `cli encryption rollout` as this node answered it. */
export type RolloutStep = 'prepare' | 'commit' | 'finish' | 'abort';

/**
 * The rollout state of this node, read at each scrape: which phase of a declared change it is in, since
 * when, and the fingerprint of the profile it writes with (every instance of a deployment should show the
 * same one once a change is finished). And the control-plane steps it answered, ok or refused.
 */
@Injectable()
export class EncryptionMetrics {
  readonly steps: Counter<'step' | 'result'>;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry, encryption: EncryptionService) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'token_encryption_transition_phase',
      help: 'Phase of a declared encryption change on this node (cli encryption rollout): 1 for the current phase (none, prepared = reading both and writing the old settings, committed = writing the new ones)',
      labelNames: ['phase'],
      registers,
      collect() {
        const current = encryption.transition?.phase ?? 'none';
        for (const phase of PHASES) this.set({ phase }, phase === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'token_encryption_transition_started_seconds',
      help: 'When the open encryption change was prepared on this node (Unix time); 0 when none is open',
      registers,
      collect() {
        const declaredAt = encryption.transition?.declaredAt;
        this.set(declaredAt ? Date.parse(declaredAt) / 1000 : 0);
      },
    });
    new Gauge({
      name: 'token_encryption_profile_info',
      help: 'The encryption profile this node writes with: 1, labelled with its fingerprint (the same on every node when they agree)',
      labelNames: ['fingerprint'],
      registers,
      collect() {
        this.reset();
        this.set({ fingerprint: encryption.profile.fingerprint }, 1);
      },
    });
    this.steps = new Counter({
      name: 'token_encryption_rollout_steps_total',
      help: 'Steps of cli encryption rollout this node answered, by step (prepare, commit, finish, abort) and result (ok, refused)',
      labelNames: ['step', 'result'],
      registers,
    });
  }
}
