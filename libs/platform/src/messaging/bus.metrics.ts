import type { OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics/metrics.module.js';
import type { BusConnection } from './messaging.module.js';

/** How long a scrape waits for the NATS server's PONG before reporting no round-trip time. */
const RTT_TIMEOUT_MS = 1000;

/**
 * This process's NATS connection, as Prometheus sees it: connected or not, the round-trip time to the
 * server (a PING measured at each scrape), and the disconnects and reconnects since start. Nothing with
 * the in-process bus. Provided by MessagingModule.
 */
export class BusMetrics implements OnApplicationShutdown {
  private stopped = false;

  constructor(metrics: MetricsRegistry, bus: BusConnection) {
    const nc = bus.nats;
    if (!nc) return;
    const registers = [metrics.registry];
    new Gauge({
      name: 'nats_connected',
      help: '1 while the connection to a NATS server is open, else 0',
      registers,
      collect() {
        this.set(bus.connected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'nats_rtt_seconds',
      help: 'Round-trip time of a PING to the NATS server, measured at each scrape (absent when it fails within 1 s)',
      registers,
      async collect() {
        this.reset();
        if (!bus.connected()) return;
        let timer: NodeJS.Timeout | undefined;
        try {
          const ms = await Promise.race([
            nc.rtt(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('timeout')), RTT_TIMEOUT_MS);
            }),
          ]);
          this.set(ms / 1000);
        } catch {
          // No sample: nats_connected and the disconnect counter say why.
        } finally {
          clearTimeout(timer);
        }
      },
    });
    const events = new Counter({
      name: 'nats_connection_events_total',
      help: 'Events of the NATS connection: disconnect, reconnect, stale (no PONG in time)',
      labelNames: ['event'],
      registers,
    });
    for (const event of ['disconnect', 'reconnect', 'stale']) events.inc({ event }, 0);
    void (async () => {
      for await (const status of nc.status()) {
        if (this.stopped) return;
        if (status.type === 'disconnect') events.inc({ event: 'disconnect' });
        else if (status.type === 'reconnect') events.inc({ event: 'reconnect' });
        else if (status.type === 'staleConnection') events.inc({ event: 'stale' });
      }
    })();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }
}
