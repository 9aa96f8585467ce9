import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';

/** One readiness check; the readiness report runs them all. */
export interface ReadinessCheck {
  check(): Promise<HealthIndicatorResult>;
}

/** Marks the list of ReadinessCheck instances the report runs. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** The readiness report: Terminus's result (`status`, `info`, `error`, `details`) and whether to serve. */
export interface Readiness {
  ready: boolean;
  report: HealthCheckResult;
}

/**
 * Runs every readiness check. The public port shows only `report.status`; the management port shows the
 * whole report (addresses, thumbprints, stored-value counts). A check that throws makes the service not
 * ready — never an error answer.
 */
@Injectable()
export class ReadinessService {
  private stopping = false;

  constructor(
    private readonly health: HealthCheckService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** The process is stopping (SIGTERM): not ready from now on, whatever the checks say, so balancers move on. */
  markStopping(): void {
    this.stopping = true;
  }

  async readiness(): Promise<Readiness> {
    if (this.stopping) return { ready: false, report: { status: 'shutting_down', info: {}, error: {}, details: {} } };
    try {
      return { ready: true, report: await this.health.check(this.checks.map((c) => () => c.check())) };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) return { ready: false, report: error.getResponse() as HealthCheckResult };
      const message = error instanceof Error ? error.message : 'a readiness check failed';
      return { ready: false, report: { status: 'error', info: {}, error: { readiness: { status: 'down', message } }, details: { readiness: { status: 'down', message } } } };
    }
  }
}
