import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultStack, type FaultStack } from '../support/fault-stack.js';
import { FaultLoad, type PhaseReport } from '../support/fault-load.js';
import { makeTempDir } from '../support/test-config.js';
import { createTestKeystore } from '../support/test-keystore.js';

jest.setTimeout(300_000);

/**
 * Two Key Managers and a portal, each its own process, on a real 3-node NATS cluster, under steady load:
 * every NATS node is killed with -9 and brought back in turn, then a Key Manager is killed with -9, then
 * both are restarted one at a time with SIGTERM (a rolling restart). No portal request may fail and no
 * token may be lost or issued twice.
 */
describe('bus faults: NATS node loss, a Key Manager killed with -9, a rolling restart', () => {
  const tmp = makeTempDir('bus-faults-');
  let stack: FaultStack;
  let load: FaultLoad;
  const phases: PhaseReport[] = [];

  beforeAll(async () => {
    const { dir } = await tmp;
    stack = await startFaultStack({ dir, keystore: await createTestKeystore(dir), keyManagers: 2, portals: 1 });
    load = new FaultLoad(stack);
    await load.prepare();
    load.start(4);
    await sleep(1500);
  });

  afterAll(async () => {
    await load?.stop();
    await stack?.stop();
    await (await tmp).remove();
    console.log(JSON.stringify(phases, null, 2));
  });

  it.each([0, 1, 2])('NATS node %i killed with -9 and brought back: no request fails', async (node) => {
    const from = load.now();
    await stack.cluster.kill(node, 'SIGKILL');
    await sleep(2000);
    await stack.cluster.restart(node);
    const back = load.now();
    await sleep(1500);
    const report = load.phase(`NATS node ${node} killed`, from, load.now(), back);
    phases.push(report);
    expect(report.requests).toBeGreaterThan(10);
    expect(report.errors).toEqual([]);
    expect(report.slowestMs).toBeLessThan(5000);
  });

  it('a Key Manager killed with -9 costs no portal request', async () => {
    const from = load.now();
    await stack.keyManagers[0]!.stop('SIGKILL');
    await sleep(2000);
    await stack.keyManagers[0]!.start();
    const back = load.now();
    await sleep(1500);
    const report = load.phase('Key Manager killed with -9', from, load.now(), back);
    phases.push(report);
    expect(report.requests).toBeGreaterThan(10);
    // Requests in flight on the killed process's own HTTP port die with it (a client or load balancer
    // sees the reset); requests that go through the portal never see the loss.
    expect(report.failedByOp['portal-generate-token'] ?? 0).toBe(0);
    expect(report.failedByOp['portal-read'] ?? 0).toBe(0);
  });

  // A SIGTERM'd Key Manager finishes the bus requests it has taken and takes no new ones (Nest's NATS server
  // unsubscribes, waits, then drains). Requests sent straight to its own HTTP port while it closes are not
  // drained yet (Fastify answers 503 without Retry-After, or the connection is reset): counted, not asserted
  // (docs/operations.md).
  it('a rolling restart — each Key Manager stopped with SIGTERM and started again in turn: each exits 0, no portal request fails', async () => {
    const from = load.now();
    const stops: Array<{ name: string; exitCode: number | null; stopMs: number }> = [];
    for (const keyManager of stack.keyManagers) {
      const t = Date.now();
      const exitCode = await keyManager.stop('SIGTERM');
      stops.push({ name: keyManager.name, exitCode, stopMs: Date.now() - t });
      await keyManager.start();
    }
    const back = load.now();
    await sleep(1500);
    const report = load.phase('rolling restart of 2 Key Managers (SIGTERM)', from, load.now(), back);
    phases.push(report);
    console.log(JSON.stringify({ stops }));
    expect(stops.map((s) => s.exitCode)).toEqual([0, 0]);
    expect(report.requests).toBeGreaterThan(20);
    expect(report.failedByOp['portal-generate-token'] ?? 0).toBe(0);
    expect(report.failedByOp['portal-read'] ?? 0).toBe(0);
  });

  it('loses no token and issues none twice', async () => {
    await load.stop();
    const audit = await load.audit();
    expect(audit.issued).toBeGreaterThan(20);
    expect(audit).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
