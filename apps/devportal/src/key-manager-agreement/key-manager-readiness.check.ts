import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { ReadinessCheck } from '@app/platform';
import { KeyManagerAgreementService } from './key-manager-agreement.service.js';

/**
 * `/health/ready`: the Key Manager answers and stores secrets as this portal does. Cheap: it reports the
 * last result of the start-up check and its periodic re-check, without a call of its own.
 */
@Injectable()
export class KeyManagerReadinessCheck implements ReadinessCheck {
  constructor(
    private readonly agreement: KeyManagerAgreementService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('keyManager');
    const last = this.agreement.last;
    switch (last.state) {
      case 'agreed':
        return session.up({ profile: last.keyManagerFingerprint, checkedAt: last.checkedAt.toISOString() });
      case 'mismatch':
        return session.down({ message: 'configured differently', differences: last.differences, checkedAt: last.checkedAt.toISOString() });
      case 'unreachable':
        return session.down({ message: last.message, checkedAt: last.checkedAt.toISOString() });
      default:
        return session.down({ message: 'not checked yet' });
    }
  }
}
