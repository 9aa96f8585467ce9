// Issue 14 §3: OpenTelemetry traces across HTTP → NATS → Key Manager → PostgreSQL. The built Key Manager
// and portal run as their own processes (as deployed) with `[observability.tracing]` on, exporting over
// OTLP/HTTP JSON to a real HTTP receiver in this test. One portal request must yield one trace: the
// portal's HTTP span, its bus request, the Key Manager's handling of it (continued from the `traceparent`
// NATS header) and the Key Manager's PostgreSQL statements. And no secret reaches any span.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { devportalApi, DEVPORTAL_API, signUpAndLogIn } from '../support/devportal.js';
import { freePort } from '../support/free-port.js';
import { TEST_ADMIN } from '../support/key-manager.harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { serviceProcess, type ServiceProcess } from '../support/service-process.js';
import { traceOf, tracedDeploymentTables } from '../support/traced-deployment.js';
import { makeTempDir, writeTestConfig, type TestConfigDir } from '../support/test-config.js';
import { dropSchema, uniqueSchema } from '../support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(180_000);

const SERVER = 2;
const CLIENT = 3;
// Trust authentication ignores it; it is here to prove the database URL's password never reaches a span.
const DATABASE_PASSWORD = 'pg-password-in-url-7f3a';

let tmp: TestConfigDir;
let keystore: TestKeystore;
let receiver: OtlpReceiver;
let keyManager: ServiceProcess;
let portal: ServiceProcess;
const schemas = { km: uniqueSchema('otel_km'), dp: uniqueSchema('otel_dp') };
const secrets: string[] = [TEST_ADMIN.password, DATABASE_PASSWORD];

beforeAll(async () => {
  tmp = await makeTempDir('tracing-');
  keystore = await createTestKeystore(tmp.dir);
  secrets.push(keystore.password);
  receiver = await startOtlpReceiver();
  const [kmPort, dpPort, kmManagement, dpManagement] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = await writeTestConfig(
    tmp.dir,
    'key-manager',
    tracedDeploymentTables({
      ports: { keyManager: kmPort, devportal: dpPort, keyManagerManagement: kmManagement, devportalManagement: dpManagement },
      databaseUrl: `postgres://postgres:${DATABASE_PASSWORD}@127.0.0.1:5432/test`,
      schemas,
      subjectPrefix: `otel${process.pid}x${kmPort}`,
      keystore,
      endpoint: receiver.endpoint,
    }),
  );
  keyManager = serviceProcess({ service: 'key-manager', name: 'key-manager', configFile: config.file, baseUrl: `http://127.0.0.1:${kmPort}`, logDir: tmp.dir });
  portal = serviceProcess({ service: 'devportal', name: 'devportal', configFile: config.file, baseUrl: `http://127.0.0.1:${dpPort}`, logDir: tmp.dir });
  await keyManager.start();
  await portal.start();
});

afterAll(async () => {
  await portal?.stop('SIGKILL');
  await keyManager?.stop('SIGKILL');
  await receiver?.close();
  await Promise.all([dropSchema(schemas.km), dropSchema(schemas.dp)]);
  await tmp?.remove();
});

describe('tracing with [observability.tracing] on', () => {
  let generateKeys: ReceivedSpan;

  beforeAll(async () => {
    const api = `${portal.baseUrl}${DEVPORTAL_API}`;
    const call = devportalApi(api);
    const password = 'Tracing-password-1';
    secrets.push(password);
    const portalToken = await signUpAndLogIn(api, 'tracer', password);
    secrets.push(portalToken);
    const app = await call<{ applicationId: string }>('POST', '/applications', { token: portalToken, json: { name: 'Traced', tokenType: 'JWT' } });
    expect(app.status).toBe(201);
    const keys = await call<{ consumerKey: string; consumerSecret: string; token: { accessToken: string } }>('POST', `/applications/${app.body.applicationId}/generate-keys?trace_me=secret-query-value`, {
      token: portalToken,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'], validityTime: 3600 },
    });
    expect(keys.status).toBe(200);
    secrets.push(keys.body.consumerSecret, keys.body.token.accessToken, 'secret-query-value');
    // A graceful stop sends every span still buffered (the exporter batches every few seconds).
    expect(await portal.stop('SIGTERM')).toBe(0);
    expect(await keyManager.stop('SIGTERM')).toBe(0);
    const found = receiver.spans.find((s) => s.kind === SERVER && String(s.attributes['url.path']).endsWith('/generate-keys'));
    if (!found) throw new Error(`no server span of generate-keys among ${receiver.spans.length} spans: ${[...new Set(receiver.spans.map((s) => s.name))].join(', ')}`);
    generateKeys = found;
  });

  it('puts the portal request, its bus request, the Key Manager handling it and its SQL in one trace', () => {
    const { trace, ancestors } = traceOf(receiver.spans, generateKeys);
    expect(generateKeys.resource['service.name']).toBe('devportal');
    expect(generateKeys.attributes['url.query']).toBe('trace_me=REDACTED');

    // The portal's request to the Key Manager, inside the HTTP request.
    const sends = trace.filter((s) => s.kind === CLIENT && s.attributes['messaging.system'] === 'nats' && s.resource['service.name'] === 'devportal');
    expect(sends.length).toBeGreaterThan(0);
    for (const send of sends) expect(ancestors(send)).toContain(generateKeys);

    // The Key Manager's handling, continued from the traceparent header of one of those requests.
    const handled = trace.filter((s) => s.kind === SERVER && s.attributes['messaging.system'] === 'nats' && s.resource['service.name'] === 'key-manager');
    expect(handled.length).toBeGreaterThan(0);
    for (const process of handled) expect(sends.map((s) => s.spanId)).toContain(process.parentSpanId);

    // The Key Manager's PostgreSQL statements for it: the SQL text with placeholders.
    const statements = trace.filter((s) => s.resource['service.name'] === 'key-manager' && s.attributes['db.system.name'] === 'postgresql' && s.attributes['db.query.text'] !== undefined);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) expect(ancestors(statement).some((a) => handled.includes(a))).toBe(true);
    expect(statements.some((s) => /INSERT INTO/i.test(String(s.attributes['db.query.text'])))).toBe(true);
  });

  it('records no secret: no password, token, consumer secret, query value, Authorization header or SQL parameter', () => {
    expect(receiver.bodies.length).toBeGreaterThan(0);
    const everything = receiver.bodies.join('\n');
    for (const secret of secrets) expect(everything.includes(secret)).toBe(false);
    expect(/Bearer |Basic /.test(everything)).toBe(false);
    // No header, cookie or statement parameter is recorded under any name.
    const keys = new Set(receiver.spans.flatMap((span) => Object.keys(span.attributes)));
    expect([...keys].filter((key) => /header|authorization|cookie|parameter|values/i.test(key))).toEqual([]);
  });

  it('leaves the probes out', () => {
    expect(receiver.spans.filter((s) => String(s.attributes['url.path']).startsWith('/health/'))).toEqual([]);
  });
});
