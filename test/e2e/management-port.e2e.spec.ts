// Issue 10 item 10: what each port of each service tells whoever can reach it. The public port answers
// liveness and a bare readiness status; /metrics and the readiness details (bus address, keystore
// thumbprint, stored values) are on the management port only. Issue 14: the metrics the services lacked
// (NATS round trip, database pool, the portal's calls to the Key Manager, rollout state) carry real values
// after real traffic. Both services, real NATS and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import { EncryptionService, loadEncryptionMaterial } from '@app/platform';
import { devportalApi, signUpAndLogIn, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { startKeyManagerForTest } from '../support/key-manager.harness.js';
import { parseMetrics, samplesOf, valueOf, type MetricSample } from '../support/metrics-text.js';
import { keyManagerOAuth } from '../support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(120_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;
let nats: PrivateNats;
let stack: StackUnderTest;

beforeAll(async () => {
  tmp = await makeTempDir('management-port-');
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

const services = () =>
  [
    { name: 'key-manager', publicUrl: stack.keyManager.baseUrl, managementUrl: stack.keyManager.managementUrl },
    { name: 'devportal', publicUrl: stack.devportal.baseUrl, managementUrl: stack.devportal.managementUrl },
  ] as const;

describe('the public port', () => {
  it('answers liveness, and readiness as a bare status that names no address, thumbprint or count', async () => {
    const thumbprint = stack.keyManager.app.get(EncryptionService).signingKey.thumbprint;
    const natsPort = new URL(nats.url).port;
    for (const { name, publicUrl } of services()) {
      const live = await fetch(`${publicUrl}/health/live`);
      expect({ name, status: live.status, body: await live.json() }).toEqual({ name, status: 200, body: { status: 'ok' } });
      const ready = await fetch(`${publicUrl}/health/ready`);
      const text = await ready.text();
      expect({ name, status: ready.status, body: JSON.parse(text) as unknown }).toEqual({ name, status: 200, body: { status: 'ok' } });
      expect(ready.headers.get('cache-control')).toBe('no-store');
      expect(text).not.toContain(thumbprint);
      expect(text).not.toContain(natsPort);
    }
  });

  it('does not serve /metrics', async () => {
    for (const { name, publicUrl } of services()) {
      const res = await fetch(`${publicUrl}/metrics`);
      const text = await res.text();
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
      expect(text).not.toContain('process_cpu');
    }
  });
});

describe('the management port', () => {
  it('listens where [management] says, apart from the public port', () => {
    for (const { publicUrl, managementUrl } of services()) {
      expect(new URL(managementUrl).hostname).toBe('127.0.0.1');
      expect(new URL(managementUrl).port).not.toBe(new URL(publicUrl).port);
    }
  });

  it('serves the detailed readiness report: bus address, keystore thumbprint, stored values', async () => {
    const thumbprint = stack.keyManager.app.get(EncryptionService).signingKey.thumbprint;
    for (const { name, managementUrl } of services()) {
      const res = await fetch(`${managementUrl}/health/ready`);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as { status: string; details: Record<string, Record<string, unknown>> };
      expect(body.status).toBe('ok');
      expect(body.details['bus']).toEqual({ status: 'up', transport: expect.stringContaining(new URL(nats.url).host) });
      expect(body.details['keystore']).toMatchObject({ status: 'up', thumbprint });
      expect(body.details['storedSecrets']).toMatchObject({ status: 'up', notCurrent: 0 });
      expect(body.details['database']).toEqual({ status: 'up' });
    }
    const portal = (await (await fetch(`${stack.devportal.managementUrl}/health/ready`)).json()) as { details: Record<string, { status: string }> };
    expect(portal.details['keyManager']?.status).toBe('up');
  });

  it("serves /metrics in Prometheus' text format, each service its own series", async () => {
    for (const { name, managementUrl } of services()) {
      const res = await fetch(`${managementUrl}/metrics`);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain(`process_cpu_user_seconds_total{service="${name}"}`);
      expect(text).toMatch(new RegExp(`^http_request_duration_seconds_count\\{service="${name}",method="GET",route="/health/ready",status="200"\\} [1-9]`, 'm'));
    }
  });

  it('serves nothing else: 404 for other paths, 405 for other methods, HEAD without a body', async () => {
    const { managementUrl } = services()[0];
    expect((await fetch(`${managementUrl}/oauth2/token`)).status).toBe(404);
    expect((await fetch(`${managementUrl}/`)).status).toBe(404);
    const post = await fetch(`${managementUrl}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${managementUrl}/health/live`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('a taken management port stops the start with a message naming [management]', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const start = startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url, configName: 'taken.toml', toml: { management: { port: taken } } });
      await expect(start).rejects.toThrow(new RegExp(`cannot listen on the management port 127\\.0\\.0\\.1:${taken} \\(\\[management\\] in .*taken\\.toml\\): .*EADDRINUSE`));
    } finally {
      blocker.close();
    }
  });
});

const scrape = async (managementUrl: string): Promise<MetricSample[]> => parseMetrics(await (await fetch(`${managementUrl}/metrics`)).text());

describe('the metrics operators lacked (issue 14), after real traffic', () => {
  let application: { applicationId: string };

  beforeAll(async () => {
    const password = 'a long password 42';
    const bearer = await signUpAndLogIn(stack.devportal.apiUrl, 'metrics-user', password);
    const api = devportalApi(stack.devportal.apiUrl);
    expect((await api('POST', '/login', { json: { username: 'metrics-user', password: 'not the password 1' } })).status).toBe(401);
    application = (await api<{ applicationId: string }>('POST', '/applications', { token: bearer, json: { name: 'metrics-app' } })).body;
    const keys = await api<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${application.applicationId}/generate-keys`, {
      token: bearer,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
    });
    expect(keys.status).toBe(200);
    const oauth = await keyManagerOAuth(stack.keyManager.baseUrl);
    await oauth.clientCredentials(keys.body.consumerKey, keys.body.consumerSecret);
  });

  it("the portal's calls to the Key Manager: count, latency and outcome by command", async () => {
    const portal = await scrape(stack.devportal.managementUrl);
    const calls = (command: string, outcome: string) =>
      valueOf(portal, 'key_manager_client_call_duration_seconds_count', { service: 'devportal', command, outcome }) ?? 0;
    expect(calls('km.users.create', 'ok')).toBe(1);
    expect(calls('km.users.authenticate', 'ok')).toBe(1);
    expect(calls('km.users.authenticate', 'invalid_credentials')).toBe(1);
    expect(calls('km.clients.create', 'ok')).toBe(1);
    // The bearer checks of the API calls, and the start-up agreement.
    expect(calls('km.tokens.validate', 'ok')).toBeGreaterThanOrEqual(1);
    expect(calls('km.profile.get', 'ok')).toBeGreaterThanOrEqual(1);
    const seconds = valueOf(portal, 'key_manager_client_call_duration_seconds_sum', { command: 'km.clients.create', outcome: 'ok' })!;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(10);
    // Nothing was sent twice on a healthy bus (the series exist once a copy is sent again).
    expect(samplesOf(portal, 'key_manager_client_resends_total').filter((s) => s.value > 0)).toEqual([]);
  });

  it('the database pool of each service: open, idle, waiting, size', async () => {
    for (const { name, managementUrl } of services()) {
      const samples = await scrape(managementUrl);
      const open = valueOf(samples, 'db_pool_connections', { service: name })!;
      const idle = valueOf(samples, 'db_pool_idle_connections', { service: name })!;
      expect({ name, open: open > 0, idleNotAboveOpen: idle <= open }).toEqual({ name, open: true, idleNotAboveOpen: true });
      expect(valueOf(samples, 'db_pool_waiting_requests', { service: name })).toBe(0);
      // pool_size 4 in the test harness.
      expect(valueOf(samples, 'db_pool_max_connections', { service: name })).toBe(4);
      expect(open).toBeLessThanOrEqual(4);
    }
  });

  it('the NATS connection of each service: connected, round-trip time, no disconnects', async () => {
    for (const { name, managementUrl } of services()) {
      const samples = await scrape(managementUrl);
      expect(valueOf(samples, 'nats_connected', { service: name })).toBe(1);
      const rtt = valueOf(samples, 'nats_rtt_seconds', { service: name })!;
      expect({ name, rtt: rtt > 0 && rtt < 1 }).toEqual({ name, rtt: true });
      expect(valueOf(samples, 'nats_connection_events_total', { service: name, event: 'disconnect' })).toBe(0);
    }
  });

  it('the rollout state of each service: no change open, the profile it writes; a staged change shows as prepared', async () => {
    const fingerprint = stack.keyManager.app.get(EncryptionService).profile.fingerprint;
    for (const { name, managementUrl } of services()) {
      const samples = await scrape(managementUrl);
      expect(samplesOf(samples, 'token_encryption_transition_phase').map((s) => [s.labels['phase'], s.value])).toEqual([
        ['none', 1],
        ['prepared', 0],
        ['committed', 0],
      ]);
      expect(valueOf(samples, 'token_encryption_transition_started_seconds')).toBe(0);
      expect(samplesOf(samples, 'token_encryption_profile_info').map((s) => [s.labels['fingerprint'], s.value])).toEqual([[fingerprint, 1]]);
      expect({ name, steps: samplesOf(samples, 'token_encryption_rollout_steps_total') }).toEqual({ name, steps: [] });
    }
    // What `cli encryption rollout`'s prepare step does on a node once its checks pass (the CLI's own runs are
    // in encryption-rollout.e2e.spec.ts): the gauge follows it, and abort brings it back.
    const encryption = stack.keyManager.app.get(EncryptionService);
    const before = Date.now() / 1000;
    encryption.stage('metrics-test', await loadEncryptionMaterial(stack.keyManager.config));
    try {
      const samples = await scrape(stack.keyManager.managementUrl);
      expect(valueOf(samples, 'token_encryption_transition_phase', { phase: 'prepared' })).toBe(1);
      expect(valueOf(samples, 'token_encryption_transition_phase', { phase: 'none' })).toBe(0);
      expect(valueOf(samples, 'token_encryption_transition_started_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
    } finally {
      encryption.abort('metrics-test');
    }
    expect(valueOf(await scrape(stack.keyManager.managementUrl), 'token_encryption_transition_phase', { phase: 'none' })).toBe(1);
  });
});
