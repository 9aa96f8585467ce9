import { Controller, Get, Module, Res, type DynamicModule, type Type } from '@nestjs/common';
import { HealthIndicatorService, TerminusModule, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { EncryptionService } from '../encryption/encryption.service.js';
import { StoredSecretsInspector } from '../encryption/stored-secrets.inspector.js';
import { DeploymentIdentity } from '../messaging/deployment-identity.js';
import { BusConnection } from '../messaging/messaging.module.js';
import { DeploymentWatch } from './deployment-watch.js';
import { ManagementServer } from './management.server.js';
import { READINESS_CHECKS, ReadinessService, type ReadinessCheck } from './readiness.service.js';

export { READINESS_CHECKS, type ReadinessCheck };

class DatabaseCheck implements ReadinessCheck {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}
  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('database');
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2 s')), 2000).unref())]);
      return session.up();
    } catch (e) {
      return session.down({ message: e instanceof Error ? e.message : 'unreachable' });
    }
  }
}

class BusCheck implements ReadinessCheck {
  constructor(
    private readonly bus: BusConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}
  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('bus');
    return this.bus.connected() ? session.up({ transport: this.bus.describe() }) : session.down({ transport: this.bus.describe(), message: 'not connected' });
  }
}

/**
 * Which deployment this is, and the instances of other deployments met on the bus within the last minute
 * (two deployments on one NATS server and subject prefix). A portal that meets a foreign Key Manager is
 * not ready (some of its calls reach it and must go again); a Key Manager refusing foreign callers is degraded.
 */
class DeploymentCheck implements ReadinessCheck {
  constructor(
    private readonly deployment: DeploymentIdentity,
    private readonly indicators: HealthIndicatorService,
  ) {}
  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('deployment');
    const foreign = this.deployment.recentForeign();
    const id = this.deployment.id ?? null;
    if (foreign.length === 0) return session.up({ id });
    const details = {
      id,
      foreign: foreign.map((f) => ({ service: f.service, instanceId: f.instanceId, deployment: f.deployment, via: f.via, lastSeenAt: f.lastSeenAt.toISOString() })),
      message: 'instances of another deployment on the same NATS subjects: give each deployment its own [transport.nats] subject_prefix',
    };
    return this.deployment.impaired(foreign) ? session.down(details) : session.degraded(details);
  }
}

class KeystoreCheck implements ReadinessCheck {
  constructor(
    private readonly encryption: EncryptionService,
    private readonly indicators: HealthIndicatorService,
  ) {}
  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('keystore');
    const key = this.encryption.signingKey;
    const details = { thumbprint: key.thumbprint, notAfter: key.notAfter.toISOString(), profile: this.encryption.profile.fingerprint };
    if (key.notAfter.getTime() < Date.now()) return session.degraded({ ...details, message: 'primary certificate expired: rotate the keystore' });
    return session.up(details);
  }
}

class StoredSecretsCheck implements ReadinessCheck {
  constructor(
    private readonly inspector: StoredSecretsInspector,
    private readonly indicators: HealthIndicatorService,
  ) {}
  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('storedSecrets');
    // Counted now (a read of the running counts), or the last figures while the database does not answer.
    const report = await this.inspector.figures();
    if (!report) return session.down({ message: 'stored values not counted yet' });
    const byScheme = report.rows.map((r) => ({ table: r.table, column: r.column, scheme: r.scheme, count: r.count, current: r.current, ...(r.hashOnly ? { hashOnly: true } : {}) }));
    if (report.unreadable > 0) return session.down({ unreadable: report.unreadable, byScheme });
    if (report.notCurrent > 0) {
      return session.degraded({ notCurrent: report.notCurrent, byScheme, message: 'values not under the current settings: run `tokens migrate`' });
    }
    return session.up({ notCurrent: 0, byScheme });
  }
}

/**
 * The public port's health: liveness, and readiness as a status only (`ok`, `degraded`, `error`,
 * `shutting_down`) with 200 or 503 — enough for a load balancer or an orchestrator, and nothing about the
 * deployment. The report behind it is on the management port ({@link ManagementServer}).
 */
@Controller('health')
class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** The process is alive and its event loop turns. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to serve: database, bus, keystore, and every stored secret readable. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string }> {
    const { ready, report } = await this.readiness.readiness();
    void reply.code(ready ? 200 : 503).header('Cache-Control', 'no-store');
    return { status: report.status };
  }
}

/**
 * `/health/live` and `/health/ready` on the public port, and the management port ([management]: `/metrics`,
 * `/health/live`, the detailed `/health/ready`). Readiness runs the standard checks (database, bus,
 * deployment, keystore, stored secrets) plus any the application adds. Also keeps the deployment id and
 * looks out for instances of other deployments ({@link DeploymentWatch}).
 */
@Module({})
export class HealthModule {
  static forRoot(extra: Type<ReadinessCheck>[] = []): DynamicModule {
    const standard = [
      { provide: DatabaseCheck, inject: [DataSource, HealthIndicatorService], useFactory: (d: DataSource, h: HealthIndicatorService) => new DatabaseCheck(d, h) },
      { provide: BusCheck, inject: [BusConnection, HealthIndicatorService], useFactory: (b: BusConnection, h: HealthIndicatorService) => new BusCheck(b, h) },
      { provide: DeploymentCheck, inject: [DeploymentIdentity, HealthIndicatorService], useFactory: (d: DeploymentIdentity, h: HealthIndicatorService) => new DeploymentCheck(d, h) },
      { provide: KeystoreCheck, inject: [EncryptionService, HealthIndicatorService], useFactory: (e: EncryptionService, h: HealthIndicatorService) => new KeystoreCheck(e, h) },
      {
        provide: StoredSecretsCheck,
        inject: [StoredSecretsInspector, HealthIndicatorService],
        useFactory: (s: StoredSecretsInspector, h: HealthIndicatorService) => new StoredSecretsCheck(s, h),
      },
    ];
    const all = [DatabaseCheck, BusCheck, DeploymentCheck, KeystoreCheck, StoredSecretsCheck, ...extra];
    return {
      module: HealthModule,
      // Global: the portal's agreement with the Key Manager pins the deployment through DeploymentWatch.
      global: true,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        ...standard,
        ...extra,
        { provide: READINESS_CHECKS, inject: all, useFactory: (...checks: ReadinessCheck[]) => checks },
        ReadinessService,
        ManagementServer,
        DeploymentWatch,
      ],
      exports: [ReadinessService, ManagementServer, DeploymentWatch],
    };
  }
}
