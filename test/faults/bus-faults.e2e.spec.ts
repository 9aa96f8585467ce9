import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEVPORTAL_API } from '../support/devportal.js';
import { refuses, requestInTwoParts } from '../support/http-in-two-parts.js';
import { crashAndRestart, startFaultStackUnderLoad, type FaultStack } from '../support/fault-stack.js';
import { basic, expectPhaseClean, expectPortalsUnharmed, FaultLoad, type LoadRecord, type PhaseReport } from '../support/fault-load.js';
import type { ServiceProcess } from '../support/service-process.js';
import { makeTempDir } from '../support/test-config.js';

jest.setTimeout(300_000);

/** A connection was refused: the instance no longer listens, and nothing was sent (a load balancer moves on). */
const refusedConnection = (r: LoadRecord) => !r.ok && /ECONNREFUSED/.test(r.error ?? '');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * Two Key Managers and two portals, each its own process, on a real 3-node NATS cluster, under steady load:
 * every NATS node is killed with -9 and brought back in turn, then a Key Manager is killed with -9; each
 * service is stopped with SIGTERM under load on its own port (a graceful drain); then every instance is
 * restarted one at a time with SIGTERM (a rolling restart). No request may fail and no token may be lost or
 * issued twice.
 */
describe('bus faults: NATS node loss, a Key Manager killed with -9, graceful stops, a rolling restart', () => {
  const tmp = makeTempDir('bus-faults-');
  let stack: FaultStack;
  let load: FaultLoad;
  let stop: (() => Promise<void>) | undefined;
  const phases: Array<PhaseReport & { refusedConnections?: number; stopMs?: number }> = [];

  beforeAll(async () => {
    ({ stack, load, stop } = await startFaultStackUnderLoad((await tmp).dir));
  });

  afterAll(async () => {
    await stop?.();
    await (await tmp).remove();
    console.log(JSON.stringify(phases, null, 2));
  });

  it.each([0, 1, 2])('NATS node %i killed with -9 and brought back: no request fails', async (node) => {
    const report = await load.during(`NATS node ${node} killed`, async () => {
      await stack.cluster.kill(node, 'SIGKILL');
      await sleep(2000);
      await stack.cluster.restart(node);
    });
    phases.push(report);
    expectPhaseClean(report);
    expect(report.slowestMs).toBeLessThan(5000);
  });

  it('a Key Manager killed with -9 costs no portal request', async () => {
    const report = await load.during('Key Manager killed with -9', () => crashAndRestart(stack.keyManagers[0]!));
    phases.push(report);
    // Requests in flight on the killed process's own HTTP port die with it (a client or load balancer
    // sees the reset); requests that go through the portal never see the loss.
    expectPortalsUnharmed(report);
  });

  // SIGTERM: not ready at once, the port stops listening (new connections refused: a load balancer moves on),
  // a request under way finishes and says Connection: close, kept-alive connections are closed once idle,
  // then the bus drains and the process exits 0 — so a load sent to this instance's own port sees only
  // answers and refused connections.
  it.each(['key-manager', 'devportal'] as const)('%s stopped with SIGTERM under load on its own port: not ready, new connections refused, nothing under way fails, exit 0', async (service) => {
    const target: ServiceProcess = service === 'key-manager' ? stack.keyManagers[0]! : stack.portals[0]!;
    const direct = load.aimedAt(service === 'key-manager' ? { keyManagers: [target], portals: stack.portals, admin: stack.admin } : { keyManagers: stack.keyManagers, portals: [target], admin: stack.admin });
    const { consumerKey, consumerSecret, portalToken, applicationId, keyMappingId } = load.credentials;
    const slow =
      service === 'key-manager'
        ? { path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(consumerKey, consumerSecret) }, body: 'grant_type=client_credentials' }
        : {
            path: `${DEVPORTAL_API}/applications/${applicationId}/oauth-keys/${keyMappingId}/generate-token`,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${portalToken}` },
            body: JSON.stringify({ consumerSecret, validityPeriod: 3600 }),
          };
    direct.start(4);
    await sleep(1000);
    const sigterm = direct.now();
    let exit: Promise<number | null> = Promise.resolve(null);
    let stopMs = 0;
    let readiness: { status: number; body: { status?: string } } | undefined;
    let refused = false;
    const answer = await requestInTwoParts(target.baseUrl, slow.path, slow.headers, slow.body, async () => {
      const t = Date.now();
      exit = target.stop('SIGTERM').then((code) => {
        stopMs = Date.now() - t;
        return code;
      });
      readiness = await until('readiness to fall', async () => {
        const res = await fetch(`${target.managementUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { status?: string };
        return res.status === 503 ? { status: res.status, body } : undefined;
      });
      refused = await until('the port to refuse connections', async () => ((await refuses(target.baseUrl)) ? true : undefined));
      await sleep(500);
    });
    const exitCode = await exit;
    await sleep(1000);
    await direct.stop();
    await target.start();
    const failed = direct.records.filter((r) => !r.ok && !refusedConnection(r)).map((r) => `${r.op} ${r.status} ${r.error ?? ''}`);
    const refusedAfter = direct.records.filter(refusedConnection).map((r) => r.start - sigterm);
    phases.push({ ...direct.phase(`${service} SIGTERM, load on its own port`, 0, direct.now(), sigterm), refusedConnections: refusedAfter.length, stopMs });
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(readiness).toEqual({ status: 503, body: expect.objectContaining({ status: 'shutting_down' }) });
    expect(refused).toBe(true);
    expect(exitCode).toBe(0);
    expect(direct.records.filter((r) => r.ok).length).toBeGreaterThan(10);
    expect(failed).toEqual([]);
    // Refused only once it was told to stop.
    expect(refusedAfter.filter((ms) => ms < 0)).toEqual([]);
  });

  it('a rolling restart — each Key Manager, then each portal, stopped with SIGTERM and started again in turn: each exits 0, no request fails', async () => {
    const stops: Array<{ name: string; exitCode: number | null; stopMs: number }> = [];
    const report = await load.during('rolling restart of 2 Key Managers and 2 portals (SIGTERM)', async () => {
      for (const instance of [...stack.keyManagers, ...stack.portals]) {
        const t = Date.now();
        const exitCode = await instance.stop('SIGTERM');
        stops.push({ name: instance.name, exitCode, stopMs: Date.now() - t });
        await instance.start();
      }
    });
    phases.push(report);
    console.log(JSON.stringify({ stops }));
    expect(stops.map((s) => s.exitCode)).toEqual([0, 0, 0, 0]);
    expectPhaseClean(report, 20);
  });

  it('loses no token and issues none twice', async () => {
    await load.stop();
    const audit = await load.audit();
    expect(audit.issued).toBeGreaterThan(20);
    expect(audit).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
