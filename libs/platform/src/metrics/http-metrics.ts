import { Counter, Histogram, type Registry } from 'prom-client';

/** Request duration histogram, labelled by method, route pattern (never the raw URL) and status. */
export class HttpMetrics {
  private readonly histogram: Histogram<'method' | 'route' | 'status'>;
  private readonly dropped: Counter;

  constructor(registry: Registry) {
    this.histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'http_connections_dropped_total',
      help: 'Connections closed on arrival because [server] max_connections were open',
      registers: [registry],
    });
  }

  connectionDropped(): void {
    this.dropped.inc();
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.histogram.observe({ method, route, status: String(status) }, seconds);
  }
}
