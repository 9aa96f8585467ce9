import { trace } from '@opentelemetry/api';
import { redactQuery, startTracing } from './tracing.js';

describe('startTracing', () => {
  it('does nothing when tracing is off: no tracer provider is registered, spans record nothing', async () => {
    const tracing = await startTracing({ enabled: false, endpoint: 'http://localhost:4318/v1/traces', serviceName: 'key-manager', sampleRatio: 1 }, { instanceId: 'key-manager-0' });

    expect(tracing).toBeUndefined();
    const span = trace.getTracer('test').startSpan('x');
    expect(span.isRecording()).toBe(false);
    span.end();
  });
});

describe('redactQuery', () => {
  it('keeps the names and replaces every value', () => {
    expect(redactQuery('?code=abc&state=xyz&flag')).toBe('code=REDACTED&state=REDACTED&flag=REDACTED');
    expect(redactQuery('')).toBe('');
  });
});
