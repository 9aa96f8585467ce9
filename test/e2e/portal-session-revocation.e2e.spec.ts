import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusEvents } from '@app/contracts';
import { pino } from 'pino';
import { BusConnection, closeNats, connectNats, DeploymentIdentity, ProcessIdentity } from '@app/platform';
import { captureLogs } from '../support/log-capture.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { startPrivateNats } from '../support/private-nats.js';
import { devportalApi, startTwoPortalsForTest, type DevportalUnderTest, type TwoPortalsUnderTest } from '../support/devportal.js';

jest.setTimeout(180_000);

/** A cache TTL far longer than the test waits: a refusal within it comes from the broadcast, not from expiry. */
const TOKEN_CACHE_TTL_SEC = 120;

interface Login {
  access_token: string;
  refresh_token: string;
}

/**
 * Two portal instances (one schema, each its own NATS connection and validation cache) and a Key Manager on
 * a real NATS server: a session ended through one instance is refused by the other at once, however long
 * its cache would have kept the token.
 */
describe('portal sessions ended at one instance are refused by every instance', () => {
  let portals: TwoPortalsUnderTest;
  let a: DevportalUnderTest;
  let b: DevportalUnderTest;
  let user = 0;

  beforeAll(async () => {
    portals = await startTwoPortalsForTest({ devportal: { tokenCacheTtlSec: TOKEN_CACHE_TTL_SEC } });
    ({ a, b } = portals);
  });

  afterAll(() => portals?.stop());

  /** A new user logged in at A, whose token both instances have validated (and cached). */
  async function loggedInEverywhere(): Promise<Login> {
    const username = `revoke-user-${++user}`;
    const password = 'revoke-password-1';
    expect((await devportalApi(a.apiUrl)('POST', '/signup', { json: { username, password } })).status).toBe(201);
    const login = await devportalApi(a.apiUrl)<Login>('POST', '/login', { json: { username, password } });
    expect(login.status).toBe(200);
    for (const portal of [a, b]) expect((await devportalApi(portal.apiUrl)('GET', '/applications', { token: login.body.access_token })).status).toBe(200);
    return login.body;
  }

  /** How long until `portal` refuses the token (401), polling every 10 ms; fails after 2 s. */
  async function refusedAfter(portal: DevportalUnderTest, token: string): Promise<number> {
    const start = Date.now();
    for (;;) {
      const status = (await devportalApi(portal.apiUrl)('GET', '/applications', { token })).status;
      if (status === 401) return Date.now() - start;
      expect(status).toBe(200);
      if (Date.now() - start > 2000) throw new Error(`${portal.baseUrl} still accepts the token 2 s after its session ended`);
      await sleep(10);
    }
  }

  it('log-out with the bearer token at A: B refuses the token at once', async () => {
    const login = await loggedInEverywhere();
    expect((await devportalApi(a.apiUrl)('POST', '/logout', { token: login.access_token, json: {} })).status).toBe(204);
    const ms = await refusedAfter(b, login.access_token);
    console.log(`bearer log-out at A: B refused the token after ${ms} ms (cache TTL ${TOKEN_CACHE_TTL_SEC} s)`);
    expect(await refusedAfter(a, login.access_token)).toBeLessThan(100);
  });

  it('log-out with only the refresh token at A: neither instance accepts the access token any more', async () => {
    const login = await loggedInEverywhere();
    expect((await devportalApi(a.apiUrl)('POST', '/logout', { json: { refresh_token: login.refresh_token } })).status).toBe(204);
    await refusedAfter(a, login.access_token);
    await refusedAfter(b, login.access_token);
  });

  it("a refresh at A ends the old access token at B too; the user's other sessions go on", async () => {
    const login = await loggedInEverywhere();
    const other = await devportalApi(a.apiUrl)<Login>('POST', '/login', { json: { username: `revoke-user-${user}`, password: 'revoke-password-1' } });
    const refreshed = await devportalApi(a.apiUrl)<Login>('POST', '/login/refresh', { json: { refresh_token: login.refresh_token } });
    expect(refreshed.status).toBe(200);
    await refusedAfter(b, login.access_token);
    expect((await devportalApi(b.apiUrl)('GET', '/applications', { token: refreshed.body.access_token })).status).toBe(200);
    expect((await devportalApi(b.apiUrl)('GET', '/applications', { token: other.body.access_token })).status).toBe(200);
  });
});

describe('broadcasts on the bus', () => {
  it('a listener hears what another connection publishes, and is told after a reconnection that it may have missed some', async () => {
    const cluster = await startNatsCluster(1, `bc${process.pid}`);
    const config = { nats: { servers: cluster.urls } } as Parameters<typeof connectNats>[0];
    const listenerNc = await connectNats(config, 'listener');
    const publisherNc = await connectNats(config, 'publisher');
    const listener = new BusConnection('nats', { request: () => Promise.reject(new Error('unused')), close: () => closeNats(listenerNc) }, listenerNc, { subjectPrefix: 'bc' });
    const publisher = new BusConnection('nats', { request: () => Promise.reject(new Error('unused')), close: () => closeNats(publisherNc) }, publisherNc, { subjectPrefix: 'bc' });
    const heard: unknown[] = [];
    let missed = 0;
    try {
      listener.listen(BusEvents.PortalSessionsEnded, (payload) => heard.push(payload), () => missed++);
      await listenerNc.flush();
      publisher.publish(BusEvents.PortalSessionsEnded, { usernames: ['alice'] });
      await publisherNc.flush();
      for (let i = 0; i < 100 && heard.length === 0; i++) await sleep(20);
      expect(heard).toEqual([{ usernames: ['alice'] }]);
      expect(missed).toBe(0);
      await cluster.kill(0);
      await cluster.restart(0);
      for (let i = 0; i < 250 && missed === 0; i++) await sleep(20);
      expect(missed).toBe(1);
    } finally {
      await listener.onApplicationShutdown();
      await publisher.onApplicationShutdown();
      await cluster.stop();
    }
  });

  // Two deployments on one NATS server and subject prefix (foreign-deployment.e2e.spec.ts): each broadcast
  // names its sender's deployment, and a listener ignores those of another one (counted, logged once).
  it("carries the sender's deployment; a listener ignores another deployment's broadcasts, counts them and logs the sender once", async () => {
    const nats = await startPrivateNats();
    const logs = captureLogs();
    const config = { nats: { servers: [nats.url], subjectPrefix: 'shared' } } as Parameters<typeof connectNats>[0];
    const member = async (service: 'key-manager' | 'devportal', deploymentId: string, ignored?: () => void) => {
      const identity = new ProcessIdentity(service);
      const deployment = new DeploymentIdentity(identity, config, pino(logs.stream));
      deployment.adopt(deploymentId);
      const nc = await connectNats(config, identity.instanceId);
      return { identity, nc, bus: new BusConnection('nats', { request: () => Promise.reject(new Error('unused')), close: () => closeNats(nc) }, nc, { subjectPrefix: 'shared' }, { identity, deployment, ...(ignored ? { ignored } : {}) }) };
    };
    let ignored = 0;
    const portal = await member('devportal', 'deployment-a', () => ignored++);
    const own = await member('key-manager', 'deployment-a');
    const other = await member('key-manager', 'deployment-b');
    const raw = await connectNats(config, 'raw-listener');
    const heard: unknown[] = [];
    const onWire: unknown[] = [];
    try {
      portal.bus.listen(BusEvents.PortalSessionsEnded, (payload) => heard.push(payload), () => undefined);
      raw.subscribe(`shared.${BusEvents.PortalSessionsEnded}`, { callback: (_err, msg) => void onWire.push(msg.json()) });
      await Promise.all([portal.nc.flush(), raw.flush()]);
      other.bus.publish(BusEvents.PortalSessionsEnded, { usernames: ['alice'] });
      other.bus.publish(BusEvents.PortalSessionsEnded, { usernames: ['bob'] });
      await other.nc.flush();
      own.bus.publish(BusEvents.PortalSessionsEnded, { usernames: ['carol'] });
      await own.nc.flush();
      for (let i = 0; i < 100 && (heard.length === 0 || onWire.length < 3); i++) await sleep(20);
      await sleep(200);
      expect(heard).toEqual([{ usernames: ['carol'] }]);
      expect(ignored).toBe(2);
      expect(onWire).toContainEqual({ usernames: ['carol'], sender: { service: 'key-manager', instanceId: own.identity.instanceId, deployment: 'deployment-a' } });
      expect(onWire).toContainEqual({ usernames: ['alice'], sender: { service: 'key-manager', instanceId: other.identity.instanceId, deployment: 'deployment-b' } });
      const errors = logs.entries().filter((e) => e['level'] === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ foreign: { service: 'key-manager', instanceId: other.identity.instanceId, deployment: 'deployment-b' }, deployment: 'deployment-a' });
      expect(String(errors[0]!['msg'])).toMatch(/sent a broadcast this instance heard \(ignored\)/);
    } finally {
      for (const m of [portal, own, other]) await m.bus.onApplicationShutdown();
      await closeNats(raw);
      await nats.stop();
    }
  });
});
