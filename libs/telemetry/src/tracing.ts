import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { TracingSettings } from '@app/config';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';

/** A running tracer: {@link Tracing.shutdown} sends what is still buffered, then stops. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/** The service the spans are attributed to, and this process among its instances. */
export interface TracedProcess {
  instanceId: string;
  version?: string;
}

const REDACTED = 'REDACTED';

/** A query string with every value replaced: names stay readable, no value (a code, a token…) reaches a span. */
export function redactQuery(search: string): string {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  return [...params.keys()].map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&');
}

/**
 * Starts OpenTelemetry tracing when `[observability.tracing]` enables it, and does nothing else otherwise:
 * the SDK, exporter and instrumentations are imported only here, so a service with tracing off never
 * loads them.
 *
 * Must run before the service's HTTP framework and PostgreSQL driver are loaded (each `main` imports the
 * service only after this resolves): the instrumentations patch `http` and `pg` as they are required.
 * Spans: one per HTTP request received (`/health/*` left out; query values redacted; no headers), one per
 * PostgreSQL statement (the SQL text with its placeholders, never the parameters), and the bus spans of
 * `libs/platform` that carry the W3C `traceparent` from the portal to the Key Manager in NATS headers.
 * Exported in batches over OTLP/HTTP (JSON) to `endpoint`.
 *
 * @example
 * const tracing = await startTracing(config.observability.tracing, { instanceId });
 * // … at shutdown:
 * await tracing?.shutdown();
 */
export async function startTracing(settings: TracingSettings, process: TracedProcess): Promise<Tracing | undefined> {
  if (!settings.enabled) return undefined;
  const sdk = await loadSdk();
  return sdk.start(settings.sampleRatio, [new sdk.BatchSpanProcessor(new sdk.OTLPTraceExporter({ url: settings.endpoint }))], sdk.resource(settings, process));
}

/** The tracing of several services run in one process (`npm start`): see {@link startServicesTracing}. */
export interface ServicesTracing extends Tracing {
  /** Runs `work` as `service`'s: the spans started in it, and in everything it sets going (servers, connections, timers), are that service's. */
  runAs<T>(service: string, work: () => T): T;
}

/**
 * Tracing for services that share one process (`npm start` runs the Key Manager and the portal together),
 * each traced as if it ran alone: its spans carry its own `service.name` and instance id and go to its own
 * `[observability.tracing] endpoint`; a service with tracing off exports nothing. Which service a span
 * belongs to is where it started: inside {@link ServicesTracing.runAs} of that service, which the launcher
 * wraps around each service's start (everything a service sets going inherits it). The sampler is the first
 * enabled service's.
 *
 * Unlike {@link startTracing}, this may run after `http` and `pg` were loaded (the launcher loads the
 * platform before it knows the configuration): it requires both again once the instrumentations are
 * registered, which patches the loaded modules' shared prototypes.
 *
 * @example
 * const tracing = await startServicesTracing({ 'key-manager': kmSettings, devportal: portalSettings }, { 'key-manager': { instanceId: 'key-manager-1a2b3c4d' }, devportal: { instanceId: 'devportal-5e6f7a8b' } });
 * const keyManager = await (tracing ? tracing.runAs('key-manager', () => startKeyManager(…)) : startKeyManager(…));
 */
export async function startServicesTracing(services: Record<string, TracingSettings>, processes: Record<string, TracedProcess>): Promise<ServicesTracing | undefined> {
  const enabled = Object.entries(services).filter(([, settings]) => settings.enabled);
  if (enabled.length === 0) return undefined;
  const sdk = await loadSdk();
  const owner = new AsyncLocalStorage<string>();
  const routes = new Map(
    enabled.map(([service, settings]) => [
      service,
      { processor: new sdk.BatchSpanProcessor(new sdk.OTLPTraceExporter({ url: settings.endpoint })), resource: sdk.resource(settings, processes[service] ?? { instanceId: service }) },
    ]),
  );
  const tracing = sdk.start(enabled[0]![1].sampleRatio, [new ServiceRouter(owner, routes)], sdk.resource({ serviceName: 'npm-start' }, { instanceId: `npm-start-${globalThis.process.pid}` }));
  const require = createRequire(import.meta.url);
  require('node:http');
  require('pg');
  return { shutdown: tracing.shutdown, runAs: (service, work) => owner.run(service, work) };
}

type Route = { processor: SpanProcessor; resource: ReadableSpan['resource'] };

/** Hands each ended span to the processor of the service it started in, as that service's (its resource). */
class ServiceRouter implements SpanProcessor {
  private readonly owners = new WeakMap<object, string>();

  constructor(
    private readonly owner: AsyncLocalStorage<string>,
    private readonly routes: Map<string, Route>,
  ) {}

  onStart(span: Span): void {
    const service = this.owner.getStore();
    if (service !== undefined) this.owners.set(span, service);
  }

  onEnd(span: ReadableSpan): void {
    const route = this.routes.get(this.owners.get(span) ?? '');
    // The span seen through its service's resource: every other property is the span's own.
    if (route) route.processor.onEnd(Object.create(span, { resource: { value: route.resource } }) as ReadableSpan);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.routes.values()].map((r) => r.processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.routes.values()].map((r) => r.processor.shutdown()));
  }
}

/** The SDK, exporter and instrumentations, imported only when tracing is on. */
async function loadSdk() {
  const [{ NodeTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resourceFromAttributes }, { W3CTraceContextPropagator }, { registerInstrumentations }, { HttpInstrumentation }, { PgInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/core'),
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-pg'),
    ]);
  const resource = (settings: Pick<TracingSettings, 'serviceName'>, process: TracedProcess) =>
    resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.instance.id': process.instanceId,
      ...(process.version ? { 'service.version': process.version } : {}),
    });
  const start = (sampleRatio: number, spanProcessors: SpanProcessor[], resource: ReadableSpan['resource']): Tracing => {
    const provider = new NodeTracerProvider({
      resource,
      // A request that arrives inside a sampled trace is recorded; a new trace is, at the configured ratio.
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
      spanProcessors,
    });
    provider.register({ propagator: new W3CTraceContextPropagator() });
    const unregister = registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [
        new HttpInstrumentation({
          // Probes would drown the requests that matter.
          ignoreIncomingRequestHook: (request) => (request.url ?? '').startsWith('/health/'),
          // The services call no HTTP peer on a request's path worth a span; leaving client spans out keeps
          // outgoing URLs (JWKS of trusted issuers) out of the export.
          disableOutgoingRequestInstrumentation: true,
          // Overrides the instrumentation's own url.query, which redacts only a few well-known names.
          startIncomingSpanHook: (request) => {
            const url = request.url ?? '';
            const query = url.indexOf('?');
            return query < 0 ? {} : { 'url.query': redactQuery(url.slice(query + 1)) };
          },
        }),
        // db.query.text is the statement with its $n placeholders; parameter values are never recorded
        // (enhancedDatabaseReporting stays off).
        new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      ],
    });
    return {
      shutdown: async () => {
        unregister();
        await provider.shutdown();
      },
    };
  };
  return { BatchSpanProcessor, OTLPTraceExporter, resource, start };
}
