// The start-up agreement check (issues #4 and #5): the portal refuses to start next to a Key Manager
// that stores secrets differently, or when none answers in time, and says why; it waits for one that
// comes up late; and its readiness follows the Key Manager afterwards.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createConnection } from 'node:net';
import { describeStartupFailure } from '@app/platform';
import { KeyManagerAgreementError, KeyManagerAgreementService } from '../src/key-manager-agreement/key-manager-agreement.service.js';
import {
  devportalApi,
  devportalOverlay,
  startDevportalForTest,
  startStackForTest,
  writeDevportalOnlyConfig,
  type DevportalUnderTest,
} from '../../../test/support/devportal.js';
import { startKeyManagerForTest, type EncryptionMode, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { captureLogs } from '../../../test/support/log-capture.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { ownDatabase, queryTestDatabase } from '../../../test/support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';
import { parseMetrics, valueOf } from '../../../test/support/metrics-text.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;

beforeAll(async () => {
  tmp = await makeTempDir('devportal-agreement-');
  keystore = await createTestKeystore(tmp.dir);
});

afterAll(async () => {
  await tmp?.remove();
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function schemaExists(schema: string): Promise<boolean> {
  return (await queryTestDatabase('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).length > 0;
}

/** Starts the portal from its own file and returns the error it fails with. */
async function startFailing(options: { nats: string; encryption: EncryptionMode; keystore: TestKeystore; name: string; keyManagerWaitSec?: number }) {
  const overlay = await devportalOverlay({ keyManagerWaitSec: options.keyManagerWaitSec ?? 10 });
  const configFile = await writeDevportalOnlyConfig({ dir: tmp.dir, keystore: options.keystore, encryption: options.encryption, nats: options.nats, overlay, name: options.name });
  const logs = captureLogs();
  const started = Date.now();
  const error = await startDevportalForTest({ configFile, logs }).then(
    (portal) => portal.stop().then(() => new Error('the portal started')),
    (e: unknown) => e,
  );
  return { error, logs, overlay, elapsedMs: Date.now() - started };
}

describe('a Key Manager with other settings', () => {
  let nats: PrivateNats;
  let rsaKeyManager: KeyManagerUnderTest;
  let aesKeyManager: KeyManagerUnderTest;
  let aesNats: PrivateNats;

  beforeAll(async () => {
    [nats, aesNats] = await Promise.all([startPrivateNats(), startPrivateNats()]);
    rsaKeyManager = await startKeyManagerForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, configName: 'km-rsa.toml' });
    aesKeyManager = await startKeyManagerForTest({ dir: tmp.dir, keystore, encryption: 'aes-gcm', nats: aesNats.url, configName: 'km-aes.toml' });
  });

  afterAll(async () => {
    await rsaKeyManager?.stop();
    await aesKeyManager?.stop();
    await nats?.stop();
    await aesNats?.stop();
  });

  it('refuses to start with encryption off next to one with it on, naming the settings, and never listens', async () => {
    const { error, logs, overlay } = await startFailing({ nats: nats.url, encryption: 'off', keystore, name: 'dp-off.toml' });
    expect(error).toBeInstanceOf(KeyManagerAgreementError);
    const e = error as KeyManagerAgreementError;
    expect(e.code).toBe('KEY_MANAGER_PROFILE_MISMATCH');
    expect(e.differences).toContain('enable_token_encryption: true vs false');
    // What runServiceMain prints before it exits 1.
    const printed = describeStartupFailure(error);
    expect(printed).toContain('enable_token_encryption: true vs false');
    expect(printed).toContain('[KEY_MANAGER_PROFILE_MISMATCH]');
    const logged = logs.entries().find((l) => l['level'] === 'error' && Array.isArray(l['differences']));
    expect(logged?.['differences']).toContain('enable_token_encryption: true vs false');
    expect(await listening(overlay.port)).toBe(false);
    expect(await schemaExists(overlay.schema)).toBe(false);
  });

  it('refuses to start hashing next to a Key Manager that encrypts', async () => {
    const { error } = await startFailing({ nats: nats.url, encryption: 'hashing', keystore, name: 'dp-hashing.toml' });
    expect((error as KeyManagerAgreementError).code).toBe('KEY_MANAGER_PROFILE_MISMATCH');
    expect((error as KeyManagerAgreementError).differences).toEqual(
      expect.arrayContaining(['enable_token_encryption: true vs false', 'enable_token_hashing: false vs true']),
    );
  });

  it('refuses to start with another transformation', async () => {
    const { error } = await startFailing({ nats: aesNats.url, encryption: 'rsa-oaep', keystore, name: 'dp-rsa-vs-aes.toml' });
    expect((error as KeyManagerAgreementError).differences).toContain('transformation: AES/GCM/NoPadding vs RSA/ECB/OAEPwithSHA1andMGF1Padding');
  });

  it('refuses to start with another keystore (same transformation, other key), naming both key ids and no key material', async () => {
    const other = await createTestKeystore(tmp.dir, 'other.p12');
    const { error } = await startFailing({ nats: nats.url, encryption: 'rsa-oaep', keystore: other, name: 'dp-other-key.toml' });
    const e = error as KeyManagerAgreementError;
    expect(e.differences).toHaveLength(1);
    expect(e.differences[0]).toMatch(/^key id: [0-9A-F]{40} vs [0-9A-F]{40}$/);
    expect(e.message).not.toMatch(/PRIVATE KEY|password/i);
  });
});

describe('no Key Manager', () => {
  let nats: PrivateNats;

  beforeAll(async () => {
    nats = await startPrivateNats();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('refuses to start after key_manager_wait, saying none answered', async () => {
    const { error, elapsedMs, overlay } = await startFailing({ nats: nats.url, encryption: 'rsa-oaep', keystore, name: 'dp-alone.toml', keyManagerWaitSec: 1 });
    expect(error).toBeInstanceOf(KeyManagerAgreementError);
    const e = error as KeyManagerAgreementError;
    expect(e.code).toBe('KEY_MANAGER_UNREACHABLE');
    expect(e.message).toContain('no Key Manager answered within 1 s');
    expect(e.message).toContain(nats.url);
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
    // The wait, plus at most one request timeout (3 s in tests), plus start-up.
    expect(elapsedMs).toBeLessThan(15_000);
    expect(await listening(overlay.port)).toBe(false);
  });

  it('waits for a Key Manager that comes up within key_manager_wait, then starts', async () => {
    // A database of its own: a portal that starts before its Key Manager pins the one deployment id it finds
    // in its database, and in `test` that may be the Key Manager of a suite running beside this one.
    const database = await ownDatabase('agreement');
    const toml = { database: { url: database.url } };
    const overlay = await devportalOverlay({ keyManagerWaitSec: 30 });
    const configFile = await writeDevportalOnlyConfig({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, overlay, name: 'dp-early.toml', toml });
    let portal: DevportalUnderTest | undefined;
    let keyManager: KeyManagerUnderTest | undefined;
    try {
      const starting = startDevportalForTest({ configFile }).then((p) => (portal = p));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(portal).toBeUndefined();
      keyManager = await startKeyManagerForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, configName: 'km-late.toml', toml });
      await starting;
      expect(await listening(overlay.port)).toBe(true);
    } finally {
      await portal?.stop({ keepSchema: true });
      await keyManager?.stop({ keepSchema: true });
      await database.drop();
    }
  });
});

describe('after start', () => {
  it('reports not ready, and answers 503, once the Key Manager is gone', async () => {
    const nats = await startPrivateNats();
    const stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'aes-gcm', nats: nats.url });
    try {
      const ready = await fetch(`${stack.devportal.baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      await stack.keyManager.stop();
      // The periodic re-check, without waiting for its interval.
      await stack.devportal.app.get(KeyManagerAgreementService).checkOnce();
      const notReady = await fetch(`${stack.devportal.baseUrl}/health/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'error' });
      const report = await fetch(`${stack.devportal.managementUrl}/health/ready`);
      expect(report.status).toBe(503);
      const body = (await report.json()) as { details: Record<string, { status: string }> };
      expect(body.details['keyManager']?.status).toBe('down');
      // The portal's metrics say what its calls met: nobody answering, sent again after a backoff.
      const metrics = parseMetrics(await (await fetch(`${stack.devportal.managementUrl}/metrics`)).text());
      expect(valueOf(metrics, 'key_manager_client_call_duration_seconds_count', { command: 'km.profile.get', outcome: 'unavailable' })).toBeGreaterThanOrEqual(1);
      expect(valueOf(metrics, 'key_manager_client_resends_total', { command: 'km.profile.get', reason: 'no-responders' })).toBeGreaterThanOrEqual(1);
      const signup = await devportalApi(stack.devportal.apiUrl)<{ code: number; description: string }>('POST', '/signup', {
        json: { username: 'late-user', password: 'a long password 42' },
      });
      expect(signup.status).toBe(503);
      expect(signup.headers.get('retry-after')).toBe('5');
      expect(signup.body.description).toMatch(/Key Manager is not available/);
    } finally {
      await stack.devportal.stop();
      await nats.stop();
    }
  });
});
