import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { DeploymentConfig } from '@app/config';
import { loggableMessage } from '../logging/error-serializer.js';
import { DeploymentIdentity, discoverNodes, DISCOVERY_INTERVAL_MS } from '../messaging/deployment-identity.js';
import { BusConnection } from '../messaging/messaging.module.js';
import { DEPLOYMENT_CONFIG, ProcessIdentity, ROOT_LOGGER } from '../runtime/runtime.module.js';

/**
 * Keeps the deployment id in the service's own schema (`deployment_identity`, created by each service's
 * migration) and looks out for instances of other deployments: a `te.control.discover` broadcast at start
 * and every {@link DISCOVERY_INTERVAL_MS} on NATS (unless the NATS server's permissions forbid it), whose
 * answers of another deployment are recorded.
 *
 * The Key Manager claims an id at start (the first instance of a deployment generates it, every later one
 * reads it); a portal reads the one it pinned, or pins its Key Manager's at its first agreement ({@link pin}).
 */
@Injectable()
export class DeploymentWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  /** False once the NATS server refused a discovery (permissions). */
  private discovering = true;
  private readonly logger: Logger;

  constructor(
    private readonly deployment: DeploymentIdentity,
    private readonly dataSource: DataSource,
    private readonly bus: BusConnection,
    @Inject(ProcessIdentity) private readonly identity: ProcessIdentity,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'deployment' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const stored = this.identity.service === 'key-manager' ? await this.claim(randomUUID()) : await this.read();
    if (stored) this.deployment.adopt(stored);
    if (!this.bus.nats) return; // the in-process bus has no one else on it
    void this.lookOut();
    this.timer = setInterval(() => void this.lookOut(), DISCOVERY_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Pins this service to `deployment` (its Key Manager's) unless it already is to one; returns the one it is pinned to. */
  async pin(deployment: string): Promise<string> {
    const stored = await this.claim(deployment);
    this.deployment.adopt(stored);
    if (stored === deployment) this.logger.info({ deployment }, `pinned to the Key Manager of deployment ${deployment}`);
    return stored;
  }

  /**
   * The Key Manager deployments that answer on this service's subjects right now (NATS only; in-process,
   * none but its own): a portal that is not pinned yet pins the one, and cannot choose among several.
   */
  async keyManagerDeployments(): Promise<string[] | undefined> {
    const nc = this.bus.nats;
    if (!nc || !this.discovering) return undefined;
    try {
      const nodes = await discoverNodes(nc, this.config.nats.subjectPrefix, { maxWaitMs: 2000 });
      return [...new Set(nodes.filter((n) => n.service === 'key-manager' && n.deployment).map((n) => n.deployment!))];
    } catch (error) {
      this.discoveryFailed(error);
      return undefined;
    }
  }

  /**
   * The deployment ids other services keep in this database (schemas this service's role may read): when
   * several Key Manager deployments answer, the one whose id sits beside this portal's schema is its own.
   */
  async idsInThisDatabase(): Promise<string[]> {
    const tables = await this.dataSource.query<Array<{ schema: string }>>(
      `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'deployment_identity' AND table_schema <> current_schema()`,
    );
    const ids: string[] = [];
    for (const { schema } of tables) {
      const rows = await this.dataSource
        .query<Array<{ id: string }>>(`SELECT deployment_id AS id FROM "${schema.replaceAll('"', '""')}".deployment_identity`)
        .catch(() => [] as Array<{ id: string }>);
      ids.push(...rows.map((r) => r.id));
    }
    return ids;
  }

  private async read(): Promise<string | undefined> {
    const rows = await this.dataSource.query<Array<{ id: string }>>('SELECT deployment_id AS id FROM deployment_identity');
    return rows[0]?.id;
  }

  private async claim(candidate: string): Promise<string> {
    await this.dataSource.query('INSERT INTO deployment_identity (deployment_id) VALUES ($1) ON CONFLICT (singleton) DO NOTHING', [candidate]);
    const stored = await this.read();
    if (!stored) throw new Error('deployment_identity has no row after the insert');
    return stored;
  }

  private async lookOut(): Promise<void> {
    const nc = this.bus.nats;
    if (!nc || nc.isClosed() || nc.isDraining() || !this.discovering) return;
    try {
      const nodes = await discoverNodes(nc, this.config.nats.subjectPrefix, { maxWaitMs: 2000 });
      for (const n of nodes) if (this.deployment.isForeign(n.deployment)) this.deployment.noteForeign({ service: n.service, instanceId: n.instanceId, deployment: n.deployment }, 'discovery');
    } catch (error) {
      this.discoveryFailed(error);
    }
  }

  /**
   * A NATS server with per-user permissions (the Compose deployment's) may not let this service ask
   * (publish `te.control.discover`, subscribe to replies): stop asking, so that its log is not filled with
   * refusals; instances of another deployment are then still refused and reported when their calls meet.
   */
  private discoveryFailed(error: unknown): void {
    if ((error as { name?: unknown } | null)?.name !== 'PermissionViolationError') {
      this.logger.debug({ err: error }, 'discovery of the instances on the bus failed');
      return;
    }
    this.discovering = false;
    clearInterval(this.timer);
    this.logger.info(
      `the NATS server does not let this service ask who is on its subjects (${loggableMessage(error)}): instances of another deployment are found by their calls only`,
    );
  }
}
