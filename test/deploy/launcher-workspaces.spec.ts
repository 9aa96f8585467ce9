// Two `npm start` systems side by side on one NATS server (issue 16 items 1 and 3): each .dev/ workspace
// has subjects of its own, so neither serves the other; the operator CLI pointed at one workspace's
// deployment.toml sees that system only; a second start in the same folder stops before touching it; and a
// start that fails leaves the files of the last good one alone.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { DemoApiClient } from '../../apps/launcher/src/demo-api.client.js';
import { ensureBuilt } from './support/built-dist.js';
import { READY, readiness, runCliProcess, startLauncher, workFolder } from './support/launcher-process.js';
import { freePortPair, type LocalProcess } from './support/local-process.js';
import { startPrivateNats, type PrivateNats } from './support/nats-fixture.js';
import { createScratchDatabase, uniqueName, type ScratchDatabase } from './support/postgres-fixture.js';

interface System {
  name: string;
  cwd: string;
  port: number;
  database: ScratchDatabase;
  launcher?: LocalProcess;
  api(): DemoApiClient;
}

const PASSWORD = 'correct horse battery staple 7';
const runFiles = (cwd: string) => ['database-url', 'nats-url', 'key-manager-port', 'devportal-port'].map((f) => path.join(cwd, '.dev/run', f));

describe('npm start: workspaces on one NATS server', () => {
  let nats: PrivateNats;
  const systems: System[] = [];

  beforeAll(async () => {
    ensureBuilt(['dist/apps/launcher/src/main.js', 'dist/apps/cli/src/main.js']);
    nats = await startPrivateNats();
    for (const name of ['one', 'two']) {
      const port = await freePortPair();
      const system: System = {
        name,
        cwd: workFolder(`launcher-ws-${name}-`),
        port,
        database: await createScratchDatabase({ database: uniqueName(`launcher_${name}`) }),
        api: () => new DemoApiClient(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`),
      };
      systems.push(system);
    }
    for (const s of systems) s.launcher = startLauncher(s.cwd, { DATABASE_URL: s.database.url, NATS_URL: nats.url, PORT: String(s.port) }, `launcher-${s.name}`);
    for (const s of systems) await s.launcher!.waitForOutput(READY, 120_000);
  }, 300_000);

  afterAll(async () => {
    for (const s of systems) {
      await s.launcher?.stop('SIGKILL', 5000);
      await s.database.drop();
      rmSync(s.cwd, { recursive: true, force: true });
    }
    await nats?.stop();
  }, 60_000);

  it('gives each workspace its own subject prefix, kept in its .dev/deployment.toml', () => {
    const prefixes = systems.map((s) => readFileSync(path.join(s.cwd, '.dev/deployment.toml'), 'utf8').match(/^subject_prefix = "(dev\.[0-9a-f]{10})"$/m)?.[1]);
    expect(prefixes[0]).toBeDefined();
    expect(prefixes[1]).toBeDefined();
    expect(prefixes[0]).not.toBe(prefixes[1]);
    for (const [i, s] of systems.entries()) expect(s.launcher!.log).toContain(`subjects ${prefixes[i]}.*`);
  });

  it('has no cross-talk: every sign-up and log-in of each portal is served by its own Key Manager', async () => {
    // The same user name in both systems, with a password each: a log-in served by the other system's Key
    // Manager would fail (401), and a sign-up there would conflict (409) on the second system.
    for (const [i, s] of systems.entries()) await s.api().signup('alice', `${PASSWORD} ${i}`);
    const results = await Promise.all(
      systems.flatMap((s, i) => Array.from({ length: 8 }, () => s.api().login('alice', `${PASSWORD} ${i}`).then(() => 200, (e: { status?: number }) => e.status ?? -1))),
    );
    expect(results).toEqual(Array(16).fill(200));
    for (const s of systems) {
      expect(await readiness(`http://127.0.0.1:${s.port}`)).toBe(200);
      expect(await readiness(`http://127.0.0.1:${s.port + 1}`)).toBe(200);
    }
  }, 120_000);

  it('the operator CLI, given only DEPLOYMENT_CONFIG, lists the two instances of its own system', async () => {
    for (const s of systems) {
      const status = await runCliProcess(s.cwd, ['encryption', 'status'], { DEPLOYMENT_CONFIG: '.dev/deployment.toml' });
      expect(status).toMatchObject({ code: 0 });
      const instances = status.stdout.split('\n').filter((line) => /^(key-manager|devportal)\s/.test(line));
      expect(instances.map((line) => line.split(/\s+/)[0]).sort()).toEqual(['devportal', 'key-manager']);
    }
  }, 120_000);

  it('refuses a second start in the same folder before touching anything', async () => {
    const [one] = systems;
    const before = runFiles(one!.cwd).map((f) => [readFileSync(f, 'utf8'), statSync(f).mtimeMs]);
    const state = readFileSync(path.join(one!.cwd, '.dev/launcher.json'), 'utf8');
    const port = await freePortPair();
    const second = startLauncher(one!.cwd, { DATABASE_URL: one!.database.url, NATS_URL: nats.url, PORT: String(port) }, 'launcher-second');
    expect(await second.waitForExit(60_000)).toEqual({ code: 1, signal: null });
    const errors = second.log.split('\n').filter((line) => line.startsWith('launcher:'));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^launcher: npm start is already running from this folder \\(pid ${one!.launcher!.child.pid}, serving http://localhost:${one!.port} `))]);
    expect(runFiles(one!.cwd).map((f) => [readFileSync(f, 'utf8'), statSync(f).mtimeMs])).toEqual(before);
    expect(readFileSync(path.join(one!.cwd, '.dev/launcher.json'), 'utf8')).toBe(state);
    expect(await readiness(`http://127.0.0.1:${one!.port + 1}`)).toBe(200);
  }, 90_000);

  it('a start that fails (port in use) leaves the run files of the last good start alone', async () => {
    const two = systems[1]!;
    expect(await two.launcher!.stop('SIGTERM', 30_000)).toEqual({ code: 0, signal: null });
    const before = runFiles(two.cwd).map((f) => readFileSync(f, 'utf8'));
    expect(before[2]).toBe(`${two.port}\n`);
    const port = await freePortPair();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const failed = startLauncher(two.cwd, { DATABASE_URL: two.database.url, NATS_URL: nats.url, PORT: String(port) }, 'launcher-failed');
      const status = await failed.waitForExit(90_000);
      expect(status.code).not.toBe(0);
      expect(failed.log).toMatch(/EADDRINUSE|in use/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(runFiles(two.cwd).map((f) => readFileSync(f, 'utf8'))).toEqual(before);
  }, 150_000);
});
