// A service leaves no NATS connection behind, however its start or its stop goes: a client left open
// reconnects forever (every 250-350 ms) to a server that is gone, and holds its process — or Jest — open.
// Real nats-server (with its monitoring port, to see the connections from the server's side) and PostgreSQL.
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusEvents } from '@app/contracts';
import { BusConnection, connectNats, NatsRpcTransport } from '@app/platform';
import { startKeyManagerForTest } from '../support/key-manager.harness.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let keystore: TestKeystore;

beforeAll(async () => {
  tmp = await makeTempDir('nats-lifecycle-');
  keystore = await createTestKeystore(tmp.dir);
});

afterAll(async () => {
  await tmp?.remove();
});

test('a Key Manager whose creation fails (wrong keystore password) closes the NATS connection it had opened meanwhile', async () => {
  const nats = await startPrivateNats({ monitor: true });
  try {
    const start = startKeyManagerForTest({ dir: tmp.dir, keystore: { ...keystore, password: 'not the password' }, encryption: 'rsa-oaep', nats: nats.url, configName: 'bad-password.toml' });
    await expect(start).rejects.toMatchObject({ code: 'KEYSTORE_BAD_PASSWORD' });
    // The bus connection's factory runs beside the keystore's: it may connect after the failure. Give it time.
    await sleep(1500);
    expect(await nats.connections('open')).toEqual([]);
    // It did connect (so the check above can fail), and was closed.
    expect((await nats.connections('closed')).filter((name) => name.startsWith('key-manager-'))).toHaveLength(1);
  } finally {
    await nats.stop();
  }
});

test('a bus connection shut down while NATS is down is closed, not left reconnecting', async () => {
  const nats: PrivateNats = await startPrivateNats();
  let stopped = false;
  const nc = await connectNats({ nats: { servers: [nats.url] } } as Parameters<typeof connectNats>[0], 'closing-while-down');
  try {
    const bus = new BusConnection('nats', new NatsRpcTransport(nc), nc, { subjectPrefix: '' });
    // A subscription, so the drain has something to finish.
    bus.listen(BusEvents.PortalSessionsEnded, () => undefined, () => undefined);
    await nc.flush();
    await nats.stop();
    stopped = true;
    await bus.onApplicationShutdown();
    expect(nc.isClosed()).toBe(true);
  } finally {
    if (!stopped) await nats.stop();
    if (!nc.isClosed()) await nc.close();
  }
});
