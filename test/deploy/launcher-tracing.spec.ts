// Tracing under `npm start` (apps/launcher): both services run in one process, and with
// `[observability.tracing]` on each traces as it does on its own (test/e2e/tracing.e2e.spec.ts): one portal
// request gives one trace — the portal's HTTP span, its bus request, the Key Manager's handling of it and
// the Key Manager's SQL — each span under its own service's name, exported over OTLP/HTTP JSON to a real
// receiver in this test.
import { rmSync } from 'node:fs';
import { devportalApi, DEVPORTAL_API, signUpAndLogIn } from '../support/devportal.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { writeTestConfig } from '../support/test-config.js';
import { traceOf, tracedDeploymentTables } from '../support/traced-deployment.js';
import { dropSchema, uniqueSchema } from '../support/test-database.js';
import { createTestKeystore } from '../support/test-keystore.js';
import { ensureBuilt } from './support/built-dist.js';
import { READY, startLauncher, workFolder } from './support/launcher-process.js';
import { freePort, type LocalProcess } from './support/local-process.js';

const SERVER = 2;
const CLIENT = 3;

describe('npm start with [observability.tracing] on', () => {
  let cwd: string;
  let receiver: OtlpReceiver;
  let launcher: LocalProcess | undefined;
  let generateKeys: ReceivedSpan;
  const schemas = { km: uniqueSchema('launcher_otel_km'), dp: uniqueSchema('launcher_otel_dp') };

  beforeAll(async () => {
    ensureBuilt(['dist/apps/launcher/src/main.js']);
    cwd = workFolder('launcher-tracing-');
    const keystore = await createTestKeystore(cwd);
    receiver = await startOtlpReceiver();
    const [kmPort, dpPort, kmManagement, dpManagement] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const config = await writeTestConfig(
      cwd,
      'key-manager',
      tracedDeploymentTables({
        ports: { keyManager: kmPort, devportal: dpPort, keyManagerManagement: kmManagement, devportalManagement: dpManagement },
        databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
        schemas,
        subjectPrefix: `lotel${process.pid}x${kmPort}`,
        keystore,
        endpoint: receiver.endpoint,
      }),
    );
    launcher = startLauncher(cwd, { DEPLOYMENT_CONFIG: config.file });
    await launcher.waitForOutput(READY, 120_000);

    const api = `http://127.0.0.1:${dpPort}${DEVPORTAL_API}`;
    const portalToken = await signUpAndLogIn(api, 'launcher-tracer', 'Tracing-password-1');
    const call = devportalApi(api);
    const app = await call<{ applicationId: string }>('POST', '/applications', { token: portalToken, json: { name: 'Traced', tokenType: 'JWT' } });
    expect(app.status).toBe(201);
    const keys = await call('POST', `/applications/${app.body.applicationId}/generate-keys`, {
      token: portalToken,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'], validityTime: 3600 },
    });
    expect(keys.status).toBe(200);
    // The launcher's stop sends the spans still buffered.
    expect(await launcher.stop('SIGTERM', 40_000)).toEqual({ code: 0, signal: null });
    const found = receiver.spans.find((s) => s.kind === SERVER && String(s.attributes['url.path']).endsWith('/generate-keys'));
    if (!found) throw new Error(`no server span of generate-keys among ${receiver.spans.length} spans: ${[...new Set(receiver.spans.map((s) => s.name))].join(', ')}\n${launcher.tail()}`);
    generateKeys = found;
  }, 240_000);

  afterAll(async () => {
    await launcher?.stop('SIGKILL', 5000);
    await receiver?.close();
    await Promise.all([dropSchema(schemas.km), dropSchema(schemas.dp)]);
    rmSync(cwd, { recursive: true, force: true });
  }, 30_000);

  it('says tracing is on', () => {
    expect(launcher!.log).toContain(`launcher: tracing on: spans sent to ${receiver.endpoint}`);
  });

  it('puts the portal request, its bus request, the Key Manager handling it and its SQL in one trace, each span under its service', () => {
    const { trace, ancestors } = traceOf(receiver.spans, generateKeys);
    expect(generateKeys.resource['service.name']).toBe('devportal');
    expect(String(generateKeys.resource['service.instance.id'])).toMatch(/^devportal-[0-9a-f]{8}$/);

    const sends = trace.filter((s) => s.kind === CLIENT && s.attributes['messaging.system'] === 'nats');
    expect(sends.length).toBeGreaterThan(0);
    for (const send of sends) {
      expect(send.resource['service.name']).toBe('devportal');
      expect(ancestors(send)).toContain(generateKeys);
    }

    const handled = trace.filter((s) => s.kind === SERVER && s.attributes['messaging.system'] === 'nats');
    expect(handled.length).toBeGreaterThan(0);
    for (const process of handled) {
      expect(process.resource['service.name']).toBe('key-manager');
      expect(String(process.resource['service.instance.id'])).toMatch(/^key-manager-[0-9a-f]{8}$/);
      expect(sends.map((s) => s.spanId)).toContain(process.parentSpanId);
    }

    const statements = trace.filter((s) => s.attributes['db.system.name'] === 'postgresql' && s.attributes['db.query.text'] !== undefined);
    const kmStatements = statements.filter((s) => ancestors(s).some((a) => handled.includes(a)));
    expect(kmStatements.length).toBeGreaterThan(0);
    for (const statement of kmStatements) expect(statement.resource['service.name']).toBe('key-manager');
    expect(kmStatements.some((s) => /INSERT INTO/i.test(String(s.attributes['db.query.text'])))).toBe(true);
  });

  it('leaves the probes out and attributes every span to one of the two services', () => {
    expect(receiver.spans.filter((s) => String(s.attributes['url.path']).startsWith('/health/'))).toEqual([]);
    expect([...new Set(receiver.spans.map((s) => s.resource['service.name']))].sort()).toEqual(['devportal', 'key-manager']);
  });
});
