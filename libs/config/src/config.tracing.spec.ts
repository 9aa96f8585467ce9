import { ENV, issueAt, issuesOf, load, removeTempFolders, toml } from './test/config.fixture.js';

afterEach(removeTempFolders);

describe('loadConfig: [observability.tracing]', () => {
  it('is off by default, with the OpenTelemetry defaults filled in', () => {
    const config = load(toml({}), 'key-manager', ENV);

    expect(config.observability.tracing).toEqual({ enabled: false, endpoint: 'http://localhost:4318/v1/traces', serviceName: 'key-manager', sampleRatio: 1 });
  });

  it('reads every key, and a service overlay may rename the service', () => {
    const text = toml(
      {},
      '[observability.tracing]\nenabled = true\nendpoint = "http://collector:4318/v1/traces"\nsample_ratio = 0.25\n[devportal.observability.tracing]\nservice_name = "portal-eu"',
    );

    expect(load(text, 'devportal', ENV).observability.tracing).toEqual({ enabled: true, endpoint: 'http://collector:4318/v1/traces', serviceName: 'portal-eu', sampleRatio: 0.25 });
    expect(load(text, 'key-manager', ENV).observability.tracing.serviceName).toBe('key-manager');
  });

  it('takes what the file leaves out from the standard OTEL_* variables', () => {
    const env = { ...ENV, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4318/', OTEL_SERVICE_NAME: 'km', OTEL_TRACES_SAMPLER_ARG: '0.1' };

    expect(load(toml({}), 'key-manager', env).observability.tracing).toEqual({ enabled: true, endpoint: 'https://otel.example:4318/v1/traces', serviceName: 'km', sampleRatio: 0.1 });
  });

  it('lets the file win over the variables, and OTEL_SDK_DISABLED=true switch tracing off whatever the file says', () => {
    const text = toml({}, '[observability.tracing]\nenabled = true\nendpoint = "http://file:4318/v1/traces"');
    const env = { ...ENV, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/v1/traces' };

    expect(load(text, 'key-manager', env).observability.tracing).toMatchObject({ enabled: true, endpoint: 'http://file:4318/v1/traces' });
    expect(load(text, 'key-manager', { ...env, OTEL_SDK_DISABLED: 'true' }).observability.tracing.enabled).toBe(false);
  });

  it('refuses a ratio outside 0–1, an endpoint that is not http(s) without quoting it, and bad variables', () => {
    const text = toml({}, '[observability.tracing]\nsample_ratio = 1.5\nendpoint = "grpc://user:pw@collector:4317"');
    const issues = issuesOf(text, 'key-manager', { ...ENV, OTEL_TRACES_EXPORTER: 'zipkin', OTEL_TRACES_SAMPLER_ARG: 'half' });

    expect(issueAt(issues, 'observability.tracing.sample_ratio')).toMatchObject({ problem: 'is 1.5' });
    expect(issueAt(issues, 'observability.tracing.endpoint')).toEqual({
      key: 'observability.tracing.endpoint',
      problem: 'is set but is not an http:// or https:// URL',
      expected: 'the OTLP/HTTP traces URL of a collector, e.g. "http://otel-collector:4318/v1/traces"',
    });
    expect(issueAt(issues, 'OTEL_TRACES_EXPORTER')).toMatchObject({ problem: 'is "zipkin"' });
    expect(issueAt(issues, 'OTEL_TRACES_SAMPLER_ARG')).toMatchObject({ problem: 'is "half"' });
    expect(JSON.stringify(issues)).not.toContain('pw@');
  });

  it('accepts the ratio as a string from $env{}', () => {
    const text = toml({}, '[observability.tracing]\nsample_ratio = "$env{RATIO}"');

    expect(load(text, 'key-manager', { ...ENV, RATIO: '.5' }).observability.tracing.sampleRatio).toBe(0.5);
  });
});
