// Two deployments on one NATS server with NO subject prefix (issue 16 item 1): the mistake the prefix exists
// to prevent. Same keystore, same encryption settings, so the encryption profiles cannot tell them apart —
// only the deployment id can. Each system is a Key Manager and a portal in a database of its own. Nothing is
// served across them (the same user name, a password each: a log-in served by the other system would be
// 401, a sign-up there a 409 or a user in the wrong table), every service that meets the other system says
// so (log line, /health/ready on the management port: the portals not ready, the Key Managers degraded),
// `encryption status` marks the other system's instances and a rollout leaves them alone, and a portal
// starting for the first time beside two Key Manager deployments it cannot tell apart refuses to start.
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import pg from 'pg';
import { KeyManagerAgreementError } from '../../apps/devportal/src/key-manager-agreement/key-manager-agreement.service.js';
import { DeploymentIdentity, ProcessIdentity } from '@app/platform';
import { createScratchDatabase, uniqueName, type ScratchDatabase } from '../deploy/support/postgres-fixture.js';
import { runCliForTest } from '../support/cli-runner.js';
import { devportalApi, devportalOverlay, startDevportalForTest, startStackForTest, writeDevportalOnlyConfig, type StackUnderTest } from '../support/devportal.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(120_000);

interface System {
  name: string;
  database: ScratchDatabase;
  stack: StackUnderTest;
  logs: { keyManager: LogCapture; devportal: LogCapture };
}

let tmp: TestConfigDir;
const dirs: TestConfigDir[] = [];
let keystore: TestKeystore;
let nats: PrivateNats;
const systems: System[] = [];
const databases: ScratchDatabase[] = [];

const PASSWORD = 'correct horse battery staple';
const instanceOf = (app: { get: (t: typeof ProcessIdentity) => ProcessIdentity }) => app.get(ProcessIdentity).instanceId;
const deploymentOf = (app: { get: (t: typeof DeploymentIdentity) => DeploymentIdentity }) => app.get(DeploymentIdentity).id;

async function scratchDatabase(name: string): Promise<ScratchDatabase> {
  const database = await createScratchDatabase({ database: uniqueName(`foreign_${name}`) });
  databases.push(database);
  return database;
}

beforeAll(async () => {
  tmp = await makeTempDir('foreign-deployment-');
  keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  for (const name of ['alpha', 'beta']) {
    const database = await scratchDatabase(name);
    const logs = { keyManager: captureLogs(), devportal: captureLogs() };
    // A folder each: the harness names both services' file deployment.toml.
    const dir = await makeTempDir(`foreign-${name}-`);
    dirs.push(dir);
    const stack = await startStackForTest({
      dir: dir.dir,
      keystore,
      encryption: 'rsa-oaep',
      nats: nats.url,
      // Log-ins hash passwords: on a loaded machine the two Key Managers need more than the harness's 3 s.
      toml: { database: { url: database.url }, 'transport.nats': { request_timeout: 15_000 } },
      devportal: { logLevel: 'info' },
      logs,
    });
    systems.push({ name, database, stack, logs });
  }
}, 180_000);

afterAll(async () => {
  for (const s of systems) await s.stack.stop().catch(() => undefined);
  for (const d of databases) await d.drop().catch(() => undefined);
  await nats?.stop();
  for (const d of [...dirs, tmp]) await d?.remove();
});

async function usernames(system: System): Promise<string[]> {
  const client = new pg.Client({ connectionString: system.database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ username: string }>(`SELECT username FROM "${system.stack.keyManager.schema}".users WHERE username LIKE 'alice%' ORDER BY username`);
    return rows.map((r) => r.username);
  } finally {
    await client.end();
  }
}

async function managementReadiness(url: string): Promise<{ status: number; body: { status: string; details: Record<string, { status: string; id?: string; foreign?: Array<{ instanceId: string; service: string }> }> } }> {
  const response = await fetch(`${url}/health/ready`);
  return { status: response.status, body: (await response.json()) as never };
}

test('each system has its own deployment id, and each portal is pinned to its own Key Manager', () => {
  const [alpha, beta] = systems;
  const ids = systems.map((s) => deploymentOf(s.stack.keyManager.app));
  expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
  expect(ids[0]).not.toBe(ids[1]);
  expect(deploymentOf(alpha!.stack.devportal.app)).toBe(ids[0]);
  expect(deploymentOf(beta!.stack.devportal.app)).toBe(ids[1]);
});

test('zero cross-talk: every sign-up and log-in of each portal is served by its own Key Manager', async () => {
  for (const [i, s] of systems.entries()) {
    const signup = await devportalApi(s.stack.devportal.apiUrl)('POST', '/signup', { json: { username: 'alice', password: `${PASSWORD} ${i}` } });
    expect(signup.status).toBe(201);
  }
  // Eight log-ins each, all at once: about half of each portal's calls reach the other system's Key Manager
  // first, which refuses them (FOREIGN_DEPLOYMENT) before doing anything; they go again and reach their own.
  const results = await Promise.all(
    systems.flatMap((s, i) =>
      Array.from({ length: 8 }, () => devportalApi(s.stack.devportal.apiUrl)('POST', '/login', { json: { username: 'alice', password: `${PASSWORD} ${i}` } }).then((r) => (r.status === 200 ? 200 : r.text))),
    ),
  );
  expect(results).toEqual(Array(16).fill(200));
  for (const s of systems) expect(await usernames(s)).toEqual(['alice']);
});

test('every service says so: one log line per foreign instance, /health/ready on the management port', async () => {
  const [alpha, beta] = systems as [System, System];
  const foreignOf = (other: System) => [instanceOf(other.stack.devportal.app), instanceOf(other.stack.keyManager.app)].sort();
  // Each service asks who is on its subjects at start and every 15 s: within a discovery round every service
  // has met both instances of the other system.
  const deadline = Date.now() + 40_000;
  for (;;) {
    const reports = await Promise.all(systems.flatMap((s) => [managementReadiness(s.stack.keyManager.managementUrl), managementReadiness(s.stack.devportal.managementUrl)]));
    const complete = reports.every((r) => (r.body.details['deployment']?.foreign ?? []).length === 2);
    if (complete || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  for (const [self, other] of [
    [alpha, beta],
    [beta, alpha],
  ] as const) {
    const km = await managementReadiness(self.stack.keyManager.managementUrl);
    expect(km.status).toBe(200); // it refuses the other system's calls and serves its own
    expect(km.body.status).toBe('degraded');
    expect(km.body.details['deployment']).toMatchObject({ status: 'degraded', id: deploymentOf(self.stack.keyManager.app) });
    expect(km.body.details['deployment']!.foreign!.map((f) => f.instanceId).sort()).toEqual(foreignOf(other));

    const portal = await managementReadiness(self.stack.devportal.managementUrl);
    expect(portal.status).toBe(503); // some of its calls reach the other system's Key Manager
    expect(portal.body.details['deployment']).toMatchObject({ status: 'down', id: deploymentOf(self.stack.keyManager.app) });
    expect(portal.body.details['deployment']!.foreign!.map((f) => f.instanceId).sort()).toEqual(foreignOf(other));
    const publicReady = await fetch(`${self.stack.devportal.baseUrl}/health/ready`);
    expect(publicReady.status).toBe(503);

    // One error line per foreign instance met, naming the way out.
    const lines = self.logs.devportal
      .entries()
      .filter((e) => e['component'] === 'deployment' && e['level'] === 'error')
      .map((e) => String(e['msg']));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toContain('give each deployment its own [transport.nats] subject_prefix');
  }
}, 90_000);

test('`encryption status` marks the other system\'s instances; a rollout drives its own and leaves them alone', async () => {
  const [alpha, beta] = systems as [System, System];
  const env = { DEPLOYMENT_CONFIG: alpha.stack.configFile };
  const status = await runCliForTest(['encryption', 'status', '--json'], env);
  expect(status.code).toBe(0);
  const report = JSON.parse(status.stdout) as { deployment: string; nodes: Array<{ instanceId: string }>; foreign: string[] };
  expect(report.deployment).toBe(deploymentOf(alpha.stack.keyManager.app));
  expect(report.nodes).toHaveLength(4);
  expect(report.foreign.sort()).toEqual([instanceOf(beta.stack.devportal.app), instanceOf(beta.stack.keyManager.app)].sort());

  const table = await runCliForTest(['encryption', 'status'], env);
  expect(table.stdout).toMatch(/WARNING: instances of 2 deployments answer on NATS subjects with no prefix/);
  expect(table.stdout.split('\n').filter((line) => /^(key-manager|devportal) .* OTHER /.test(line))).toHaveLength(2);

  // The same file: a complete prepare → commit → finish round on alpha's two instances only.
  const rollout = await runCliForTest(['encryption', 'rollout'], env);
  expect(rollout.code).toBe(0);
  expect(rollout.stdout).toContain('Done: 2 instance(s)');
  expect(rollout.stderr).toContain('left alone 2 instance(s) of another deployment');
  for (const id of [instanceOf(beta.stack.devportal.app), instanceOf(beta.stack.keyManager.app)]) expect(rollout.stderr).not.toContain(id);
  const ignored = beta.logs.devportal.entries().filter((e) => String(e['msg']).startsWith('ignored a rollout'));
  expect(ignored.map((e) => e['step'])).toEqual(['prepare', 'commit', 'finish']);
});

test('a portal starting for the first time beside two Key Manager deployments it cannot tell apart refuses to start', async () => {
  const database = await scratchDatabase('gamma');
  const overlay = await devportalOverlay({ keyManagerWaitSec: 10 });
  const configFile = await writeDevportalOnlyConfig({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, overlay, name: 'gamma.toml', toml: { database: { url: database.url } } });
  const started = startDevportalForTest({ configFile });
  await expect(started).rejects.toBeInstanceOf(KeyManagerAgreementError);
  await expect(started).rejects.toMatchObject({
    code: 'KEY_MANAGER_DEPLOYMENT_AMBIGUOUS',
    message: expect.stringMatching(/Key Managers of 2 deployments .* cannot tell which is its own: give each deployment its own \[transport\.nats\] subject_prefix/),
  });
});
