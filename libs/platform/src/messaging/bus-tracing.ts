import { context, propagation, ProxyTracerProvider, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

// Spans of the bus. Only the OpenTelemetry API is used here: with tracing off no SDK is registered, every
// span is a no-op that records nothing, and no header is added to a message.

// One tracer for the process: the API's proxy tracer follows an SDK registered later, so it need not be
// asked for again on every message (getTracer makes a new proxy on each call while no SDK is registered).
const busTracer = trace.getTracer('token-encryption.bus');
const tracer = () => busTracer;

// What the API's global tracer provider hands spans to while no SDK is registered: the no-op provider.
const NO_SDK = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK is registered, that is whether any span of this process can be recorded. Tracing off
 * (`[observability.tracing] enabled = false`) registers none: then a bus message skips the span work
 * altogether — a no-op span created, made active and ended per message, a measurable part of the portal's
 * CPU per bus call — and is sent and handled exactly as with a no-op span (no headers, no context). Asked
 * per message, as the proxy tracer itself does, since an SDK may be registered after this module loads.
 */
export function busTracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_SDK;
}

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  // A header missing from a message is `undefined`, not "".
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

/**
 * Runs `send` inside a client span for one request on `subject`, handing it NATS headers that carry the
 * W3C `traceparent` (or no headers when the span is not recorded: tracing off, or the trace not sampled).
 * The span ends when the reply (or the failure) arrives; it holds the subject and nothing of the payload.
 */
export function tracedRequest<T>(subject: string, send: (headers: MsgHdrs | undefined) => Promise<T>): Promise<T> {
  if (!busTracingOn()) return send(undefined);
  return tracer().startActiveSpan(
    `send ${subject}`,
    { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'send' } },
    (span) => {
      if (!span.isRecording()) {
        span.end();
        return send(undefined);
      }
      const carrier = natsHeaders();
      propagation.inject(context.active(), carrier, setter);
      return send(carrier).then(
        (reply) => {
          span.end();
          return reply;
        },
        (error: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : 'request failed' });
          span.end();
          throw error;
        },
      );
    },
  );
}

/** What Nest's processing hooks hand over: the NATS context of one request. */
interface NatsRequestContext {
  getSubject(): string;
  getHeaders(): MsgHdrs | undefined;
}

/**
 * Server side: each request's handling runs inside a server span whose parent is the `traceparent` the
 * sender put in the message's headers, so the Key Manager's work (and its PostgreSQL statements) belongs
 * to the portal request that caused it. Install on a Nest microservice server (its processing hooks).
 */
export function traceBusRequests(server: {
  setOnProcessingStartHook(hook: (transportId: unknown, ctx: unknown, done: () => Promise<unknown>) => Promise<unknown>): void;
  setOnProcessingEndHook(hook: (transportId: unknown, ctx: unknown) => void): void;
}): void {
  const open = new WeakMap<object, Span>();
  server.setOnProcessingStartHook((_transport, ctx, done) => {
    if (!busTracingOn()) return done();
    const request = ctx as NatsRequestContext;
    const parent = propagation.extract(ROOT_CONTEXT, request.getHeaders(), getter);
    const subject = request.getSubject();
    const span = tracer().startSpan(
      `process ${subject}`,
      { kind: SpanKind.SERVER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'process' } },
      parent,
    );
    if (!span.isRecording()) {
      span.end();
      return done();
    }
    open.set(request, span);
    return context.with(trace.setSpan(parent, span), done);
  });
  server.setOnProcessingEndHook((_transport, ctx) => {
    const span = open.get(ctx as object);
    open.delete(ctx as object);
    span?.end();
  });
}
