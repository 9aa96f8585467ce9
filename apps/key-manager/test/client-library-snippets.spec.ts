import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { register, startKeyManagerWithUser, type KeyManagerWithUser, type RegisteredClient } from './km-test.helpers.js';

const run = promisify(execFile);
jest.setTimeout(90_000);

const REPO = path.resolve(import.meta.dirname, '../../..');
const DOC = path.join(REPO, 'docs/key-manager.md');

/** The code block that follows `<!-- tested snippet: NAME -->` in docs/key-manager.md, exactly as written. */
function snippetFrom(markdown: string, name: string): string {
  const marker = `<!-- tested snippet: ${name} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`docs/key-manager.md has no snippet "${name}"`);
  const block = /^```js\n([\s\S]*?)^```$/m.exec(markdown.slice(at + marker.length));
  if (!block) throw new Error(`the snippet "${name}" has no js code block after its marker`);
  return block[1]!;
}

let system: KeyManagerWithUser;
let registered: RegisteredClient & { client_secret: string };
let doc: string;

beforeAll(async () => {
  doc = await readFile(DOC, 'utf8');
  system = await startKeyManagerWithUser({ username: 'snippet-user', password: 'snippet pass 42' });
  registered = (await register(system.km, { grant_types: ['client_credentials'] })) as typeof registered;
});

afterAll(async () => {
  await system?.stop();
});

describe('the client library snippets of docs/key-manager.md run as written against a real Key Manager', () => {
  test.each(['openid-client', 'oauth4webapi'])('%s', async (name) => {
    const code = snippetFrom(doc, name);
    // Run from the repository, so that the snippet's imports resolve the libraries as a user's project would.
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '--eval', code], {
      cwd: REPO,
      env: { PATH: process.env.PATH, KM_ISSUER: system.km.config.oauth.issuer, CLIENT_ID: registered.client_id, CLIENT_SECRET: registered.client_secret },
      timeout: 60_000,
    });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout.trim())).toEqual({ expires_in: expect.any(Number), client_id: registered.client_id, active: true, active_after_revocation: false });
    // The snippet prints no secret.
    expect(stdout).not.toContain(registered.client_secret);
  });

  test('the snippets refuse a wrong secret (they do check what the Key Manager answers)', async () => {
    for (const name of ['openid-client', 'oauth4webapi']) {
      const failed = run(process.execPath, ['--input-type=module', '--eval', snippetFrom(doc, name)], {
        cwd: REPO,
        env: { PATH: process.env.PATH, KM_ISSUER: system.km.config.oauth.issuer, CLIENT_ID: registered.client_id, CLIENT_SECRET: 'wrong' },
        timeout: 60_000,
      });
      await expect(failed).rejects.toMatchObject({ stderr: expect.stringMatching(/invalid_client|status: 401/) });
    }
  });
});
