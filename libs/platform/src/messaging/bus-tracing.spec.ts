// The bus's spans: none at all with tracing off (no SDK registered), a client span and its traceparent
// header with tracing on.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { context, propagation, ProxyTracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { MsgHdrs } from '@nats-io/transport-node';
import { busTracingOn, traceBusRequests, tracedRequest } from './bus-tracing.js';

type StartHook = (transportId: unknown, ctx: unknown, done: () => Promise<unknown>) => Promise<unknown>;

/** A stand-in for Nest's server: keeps the hooks traceBusRequests installs. */
function hooks(): { start: StartHook; end: (transportId: unknown, ctx: unknown) => void } {
  const installed: { start?: StartHook; end?: (transportId: unknown, ctx: unknown) => void } = {};
  traceBusRequests({ setOnProcessingStartHook: (hook) => (installed.start = hook), setOnProcessingEndHook: (hook) => (installed.end = hook) });
  return { start: installed.start!, end: installed.end! };
}

const request = (headers?: MsgHdrs) => ({ getSubject: () => 'p.km.tokens.issue', getHeaders: () => headers });

describe('with tracing off (no SDK registered)', () => {
  it('starts no span, not even a no-op one, for a bus request sent or handled', async () => {
    const startActiveSpan = jest.spyOn(ProxyTracer.prototype, 'startActiveSpan');
    const startSpan = jest.spyOn(ProxyTracer.prototype, 'startSpan');
    try {
      expect(busTracingOn()).toBe(false);
      let sentWith: MsgHdrs | undefined | null = null;
      expect(await tracedRequest('p.km.tokens.issue', async (headers) => ((sentWith = headers), 'reply'))).toBe('reply');
      expect(sentWith).toBeUndefined();
      const { start, end } = hooks();
      const ctx = request();
      expect(await start('nats', ctx, async () => 'handled')).toBe('handled');
      end('nats', ctx);
      expect(startActiveSpan).not.toHaveBeenCalled();
      expect(startSpan).not.toHaveBeenCalled();
    } finally {
      startActiveSpan.mockRestore();
      startSpan.mockRestore();
    }
  });
});

describe('with tracing on (an SDK registered)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  afterAll(async () => {
    trace.disable();
    propagation.disable();
    context.disable();
    await provider.shutdown();
  });

  it('sends a traceparent header in a client span, and handles the request in a server span under it', async () => {
    provider.register({ propagator: new W3CTraceContextPropagator() });
    expect(busTracingOn()).toBe(true);
    let sent: MsgHdrs | undefined;
    await tracedRequest('p.km.tokens.issue', async (headers) => ((sent = headers), 'reply'));
    expect(sent?.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const { start, end } = hooks();
    const ctx = request(sent);
    await start('nats', ctx, async () => undefined);
    end('nats', ctx);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['send p.km.tokens.issue', 'process p.km.tokens.issue']);
    expect(spans[1]!.parentSpanContext?.spanId).toBe(spans[0]!.spanContext().spanId);
    expect(spans[1]!.spanContext().traceId).toBe(spans[0]!.spanContext().traceId);
  });
});
