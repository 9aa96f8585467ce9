import type { TracingSettings } from '@app/config';

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
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.instance.id': process.instanceId,
      ...(process.version ? { 'service.version': process.version } : {}),
    }),
    // A request that arrives inside a sampled trace is recorded; a new trace is, at the configured ratio.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint }))],
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
}
