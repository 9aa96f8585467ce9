import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ProcessIdentity } from '../runtime/runtime.module.js';
import { HttpMetrics } from './http-metrics.js';

/**
 * One Prometheus registry per service instance (not prom-client's global one: the development launcher
 * runs both services in one process, and each must expose only its own series). Served on the management
 * port only (`ManagementServer`), never on the public one.
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly http: HttpMetrics;

  constructor(identity: ProcessIdentity) {
    this.registry.setDefaultLabels({ service: identity.service });
    collectDefaultMetrics({ register: this.registry });
    this.http = new HttpMetrics(this.registry);
  }
}

@Global()
@Module({
  providers: [{ provide: MetricsRegistry, useFactory: (id: ProcessIdentity) => new MetricsRegistry(id), inject: [ProcessIdentity] }],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
