// Issue 10 item 10: what each port of each service tells whoever can reach it. The public port answers
// liveness and a bare readiness status; /metrics and the readiness details (bus address, keystore
// thumbprint, stored values) are on the management port only. Both services, real NATS and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import { EncryptionService } from '@app/platform';
import { startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { startKeyManagerForTest } from '../support/key-manager.harness.js';
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
