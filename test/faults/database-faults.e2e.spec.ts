import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { FaultLoad } from '../support/fault-load.js';
import { makeTempDir } from '../support/test-config.js';
import { createTestKeystore } from '../support/test-keystore.js';

jest.setTimeout(240_000);

async function ready(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * The Key Manager and the portal on a PostgreSQL of the test's own, under steady load: every database
 * connection terminated, twenty times; then PostgreSQL stopped and started again.
 */
describe('database faults', () => {
  const tmp = makeTempDir('db-faults-');
  let postgres: PrivatePostgres;
  let nats: PrivateNats;
  let stack: StackUnderTest;
  let load: FaultLoad;

  beforeAll(async () => {
    const { dir } = await tmp;
    postgres = await startPrivatePostgres();
    nats = await startPrivateNats();
    stack = await startStackForTest({ dir, keystore: await createTestKeystore(dir), encryption: 'rsa-oaep', nats: nats.url, toml: { database: { url: postgres.url } } });
    load = new FaultLoad({ keyManagers: [stack.keyManager], portals: [stack.devportal], admin: stack.keyManager.admin });
    await load.prepare();
    load.start(4);
    await sleep(1000);
  });

  afterAll(async () => {
    await load?.stop();
    await stack?.stop().catch(() => undefined);
    await nats?.stop();
    await postgres?.destroy();
    await (await tmp).remove();
  });

  it('every connection terminated, twenty times under load: no request fails', async () => {
    const from = load.now();
    for (let round = 0; round < 20; round++) {
      expect(await postgres.terminateConnections()).toBeGreaterThanOrEqual(0);
      await sleep(150);
    }
    await sleep(500);
    const report = load.phase('connections terminated', from, load.now(), from);
    console.log(JSON.stringify(report));
    expect(report.requests).toBeGreaterThan(20);
    expect(report.errors).toEqual([]);
  });

  it('PostgreSQL stopped: 503 with Retry-After and /health/ready not ready, never 500; full service within a second of its return', async () => {
    const from = load.now();
    await postgres.stop('fast');
    await sleep(2500);
    expect(await ready(stack.keyManager.baseUrl)).toBe(503);
    expect(await ready(stack.devportal.baseUrl)).toBe(503);
    await postgres.start();
    const back = load.now();
    await sleep(2000);
    const report = load.phase('PostgreSQL restarted', from, load.now(), back);
    console.log(JSON.stringify(report));
    expect(load.records.filter((r) => r.start >= from && r.start < back && !r.ok).length).toBeGreaterThan(0);
    // While it is down: 503 with Retry-After, nothing else.
    expect(load.failedOtherThan503(from, back)).toEqual([]);
    // Back within a second: nothing that started a second after its return failed.
    expect(load.failedSince(back + 1000)).toEqual([]);
    expect(await ready(stack.keyManager.baseUrl)).toBe(200);
    expect(await ready(stack.devportal.baseUrl)).toBe(200);
  });

  it('loses no token and issues none twice', async () => {
    await load.stop();
    const audit = await load.audit();
    expect(audit.issued).toBeGreaterThan(20);
    expect(audit).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
