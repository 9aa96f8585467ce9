// `npm start` (apps/launcher), run as a child process the way a developer runs it: in a fresh folder (its
// own .dev/), with the compiled code. Checks the modes it chooses and prints, that both services answer,
// and that SIGTERM stops everything with exit 0.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DemoApiClient } from '../../apps/launcher/src/demo-api.client.js';
import { DEVPORTAL_API_BASE } from '../../apps/launcher/src/launcher-state.store.js';
import { refuses, requestInTwoParts } from '../support/http-in-two-parts.js';
import { ensureBuilt, REPO_ROOT } from './support/built-dist.js';
import { READY, readiness, startLauncher, workFolder } from './support/launcher-process.js';
import { freePort, freePortPair, sleep, waitFor, type LocalProcess } from './support/local-process.js';
import { startPrivateNats, type PrivateNats } from './support/nats-fixture.js';
import { createScratchDatabase, uniqueName, type ScratchDatabase } from './support/postgres-fixture.js';

/** The lines of the banner's "Try the API" block, as a user would paste them. */
function tryItSnippet(out: string): string {
  const lines = out.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Try the API'));
  expect(start).toBeGreaterThan(0);
  const end = lines.findIndex((line, i) => i > start && line.trim() === '');
  return lines.slice(start + 1, end).map((line) => line.slice(2)).join('\n');
}

describe('npm start (launcher)', () => {
  beforeAll(() => ensureBuilt(['dist/apps/launcher/src/main.js']), 180_000);

  describe('with DATABASE_URL and no reachable NATS', () => {
    let cwd: string;
    let database: ScratchDatabase;
    let nats: PrivateNats | undefined;
    let launcher: LocalProcess | undefined;

    beforeAll(async () => {
      cwd = workFolder('launcher-spec-');
      database = await createScratchDatabase({ database: uniqueName('launcher') });
    });

    afterAll(async () => {
      await launcher?.stop('SIGKILL', 5000);
      await nats?.stop();
      await database?.drop();
      rmSync(cwd, { recursive: true, force: true });
    }, 30_000);

    it('chooses the in-process bus, prints its mode and URLs, serves both services and stops on SIGTERM', async () => {
      const port = await freePortPair();
      const closedPort = await freePort();
      launcher = startLauncher(cwd, { DATABASE_URL: database.url, NATS_URL: `nats://127.0.0.1:${closedPort}`, PORT: String(port) });
      await launcher.waitForOutput(READY, 90_000);
      const out = launcher.log;

      expect(out).toMatch(/DEVELOPMENT ONLY/);
      expect(out).toMatch(/^mode: bus\s+in-process/m);
      expect(out).toMatch(new RegExp(`^note: no NATS server answers at nats://127\\.0\\.0\\.1:${closedPort}`, 'm'));
      expect(out).toMatch(/^mode: database\s+DATABASE_URL: /m);
      expect(out).toContain(`http://localhost:${port} `);
      expect(out).toMatch(new RegExp(`^  Developer Portal  http://localhost:${port + 1}/devportal/ `, 'm'));

      // First start: the admin password is printed once; no other secret is, not even the database password.
      const secrets = JSON.parse(readFileSync(path.join(cwd, '.dev/secrets.json'), 'utf8'));
      expect(out).toContain(`admin password  ${secrets.adminPassword}`);
      expect(out).not.toContain(secrets.keystorePassword);
      expect(out).not.toContain(new URL(database.url).password);

      expect(await readiness(`http://127.0.0.1:${port}`)).toBe(200);
      expect(await readiness(`http://127.0.0.1:${port + 1}`)).toBe(200);

      const state = JSON.parse(readFileSync(path.join(cwd, '.dev/launcher.json'), 'utf8'));
      expect(state).toMatchObject({
        bus: { kind: 'in-process' },
        keyManager: { url: `http://localhost:${port}` },
        devportal: { url: `http://localhost:${port + 1}` },
        admin: { username: 'admin' },
        database: { kind: 'external', url: database.url, keyManagerSchema: 'key_manager' },
      });
      // The banner's try-it snippet runs as printed, and again (a new user each time): each run ends with a token.
      const snippet = tryItSnippet(out);
      for (let run = 0; run < 2; run++) {
        const result = spawnSync('bash', ['-c', snippet], { encoding: 'utf8', timeout: 60_000 });
        expect(result.status).toBe(0);
        expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
      }
      expect((await fetch(`http://127.0.0.1:${port + 1}/devportal/`)).status).toBe(200);

      // npm run demo, twice: the whole story each time, with one demo developer for the workspace.
      for (let run = 0; run < 2; run++) {
        const demo = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/apps/launcher/src/demo.main.js')], { cwd, encoding: 'utf8', timeout: 90_000 });
        expect({ status: demo.status, stderr: demo.stderr }).toEqual({ status: 0, stderr: '' });
        expect(demo.stdout).toMatch(/^Done\. Everything this run created is deleted; the developer demo-[0-9a-f]{6} stays for the next run\.$/m);
        // The token's row is found as the Key Manager finds it: by the selector of a token issued now.
        expect(demo.stdout).toMatch(/^ {3}found by {15}selector of (the token|its jti), then its SHA-256 checked; no decryption$/m);
        if (run === 1) expect(demo.stdout).toMatch(/409: signed up by an earlier run of the demo/);
      }
      const demoUser = JSON.parse(readFileSync(path.join(cwd, '.dev/demo-user.json'), 'utf8')) as { password: string };
      expect(out + launcher.log).not.toContain(demoUser.password);

      const stateText = JSON.stringify(state);
      for (const secret of [secrets.adminPassword, secrets.keystorePassword]) expect(stateText).not.toContain(secret);
      expect(stateText).not.toMatch(/PRIVATE KEY/);

      expect(await launcher.stop('SIGTERM', 30_000)).toEqual({ code: 0, signal: null });
      expect(launcher.log).toMatch(/launcher: stopped\./);
      expect(existsSync(path.join(cwd, '.dev/launcher.json'))).toBe(false);
    }, 120_000);

    it('on the next start keeps the keystore and passwords, prints no password, and uses NATS when it answers', async () => {
      const keystore = readFileSync(path.join(cwd, '.dev/primary.p12'));
      const secrets = JSON.parse(readFileSync(path.join(cwd, '.dev/secrets.json'), 'utf8'));
      nats = await startPrivateNats();
      const port = await freePortPair();
      launcher = startLauncher(cwd, { DATABASE_URL: database.url, NATS_URL: nats.url, PORT: String(port) });
      await launcher.waitForOutput(READY, 90_000);

      expect(launcher.log).toMatch(new RegExp(`^mode: bus\\s+NATS at ${nats.url.replace(/\./g, '\\.')}, subjects dev\\.[0-9a-f]{10}\\.\\*$`, 'm'));
      expect(launcher.log).not.toContain(secrets.adminPassword);
      expect(readFileSync(path.join(cwd, '.dev/primary.p12')).equals(keystore)).toBe(true);
      expect(await readiness(`http://127.0.0.1:${port + 1}`)).toBe(200);
      expect(await launcher.stop('SIGTERM', 30_000)).toEqual({ code: 0, signal: null });
    }, 120_000);

    // As each service does on its own SIGTERM (bus-faults.e2e.spec.ts): both report not ready, their ports
    // refuse new connections, and a request under way — a portal log-in, which calls the Key Manager over
    // the bus — still finishes, with Connection: close; then exit 0.
    it('drains on Ctrl-C: a log-in under way at the portal finishes, new connections are refused, exit 0', async () => {
      const port = await freePortPair();
      launcher = startLauncher(cwd, { DATABASE_URL: database.url, NATS_URL: `nats://127.0.0.1:${await freePort()}`, PORT: String(port) });
      await launcher.waitForOutput(READY, 90_000);
      const [keyManager, portal] = [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`];
      await new DemoApiClient(keyManager, portal).signup('drain-user', 'Drain-password-1');
      const stopping = launcher;
      let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
      const seen: Record<string, unknown> = {};
      const answer = await requestInTwoParts(
        portal,
        `${DEVPORTAL_API_BASE}/login`,
        { 'content-type': 'application/json' },
        JSON.stringify({ username: 'drain-user', password: 'Drain-password-1' }),
        async () => {
          exit = stopping.stop('SIGINT', 40_000);
          for (const [name, management] of [['keyManager', port + 100], ['portal', port + 101]] as const) {
            seen[`${name} readiness`] = await waitFor(
              `${name} not ready`,
              async () => {
                const response = await fetch(`http://127.0.0.1:${management}/health/ready`, { signal: AbortSignal.timeout(2000) });
                const body = (await response.json()) as { status?: string };
                return response.status === 503 && body.status;
              },
              10_000,
              25,
            );
          }
          seen['keyManager refuses'] = await waitFor('the Key Manager port to refuse', async () => (await refuses(keyManager)) || undefined, 10_000, 25);
          seen['portal refuses'] = await waitFor('the portal port to refuse', async () => (await refuses(portal)) || undefined, 10_000, 25);
          await sleep(500);
        },
      );
      expect(seen).toEqual({ 'keyManager readiness': 'shutting_down', 'portal readiness': 'shutting_down', 'keyManager refuses': true, 'portal refuses': true });
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toMatchObject({ access_token: expect.any(String) });
      expect(await exit).toEqual({ code: 0, signal: null });
      expect(launcher.log).toMatch(/launcher: stopped\./);
    }, 120_000);
  });

  describe('without DATABASE_URL (embedded PostgreSQL)', () => {
    let cwd: string;
    let launcher: LocalProcess | undefined;

    beforeAll(() => {
      cwd = workFolder('launcher-embedded-spec-');
    });

    afterAll(async () => {
      await launcher?.stop('SIGKILL', 5000);
      rmSync(cwd, { recursive: true, force: true });
    }, 30_000);

    it('starts PostgreSQL in .dev/pgdata, serves both services, and stops PostgreSQL with them', async () => {
      const port = await freePortPair();
      launcher = startLauncher(cwd, { NATS_URL: `nats://127.0.0.1:${await freePort()}`, PORT: String(port) });
      await launcher.waitForOutput(READY, 120_000);
      expect(launcher.log).toMatch(/^mode: database\s+embedded PostgreSQL at 127\.0\.0\.1:\d+\/apim$/m);
      expect(await readiness(`http://127.0.0.1:${port}`)).toBe(200);
      expect(await readiness(`http://127.0.0.1:${port + 1}`)).toBe(200);
      const pidFile = path.join(cwd, '.dev/pgdata/postmaster.pid');
      expect(existsSync(pidFile)).toBe(true);
      const postgresPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);

      expect(await launcher.stop('SIGTERM', 40_000)).toEqual({ code: 0, signal: null });
      expect(existsSync(pidFile)).toBe(false);
      expect(() => process.kill(postgresPid, 0)).toThrow();
    }, 180_000);
  });
});
