import { Controller, Get, Header, Global, Inject, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ProcessIdentity } from '../runtime/runtime.module.js';
import { HttpMetrics } from './http-metrics.js';

/**
 * One Prometheus registry per service instance (not prom-client's global one: the development launcher
 * runs both services in one process, and each must expose only its own series).
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

@Controller()
export class MetricsController {
  constructor(@Inject(MetricsRegistry) private readonly metrics: MetricsRegistry) {}

  @Get('/metrics')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({
  controllers: [MetricsController],
  providers: [{ provide: MetricsRegistry, useFactory: (id: ProcessIdentity) => new MetricsRegistry(id), inject: [ProcessIdentity] }],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
