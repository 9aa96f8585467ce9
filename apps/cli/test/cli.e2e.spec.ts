// The built CLI as operators run it: a real process, real stdin/stdout, the exit status. Everything else is
// covered in-process by the specs beside the code.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, vectorKeystoreFlags } from './cli.fixture.js';

const MAIN = path.join(REPO_ROOT, 'dist/apps/cli/src/main.js');
const KEYS = vectorKeystoreFlags('JKS');

function cli(args: string[], stdin: string) {
  // No DEPLOYMENT_CONFIG from the developer's shell: the flags say everything.
  const { DEPLOYMENT_CONFIG: _ignored, ...env } = process.env;
  const result = spawnSync(process.execPath, [MAIN, ...args], { cwd: REPO_ROOT, input: stdin, encoding: 'utf8', env, timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(MAIN)) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
}, 300_000);

describe('cli (built)', () => {
  it('encrypts what `echo` pipes in, and decrypts it back to exactly that value', () => {
    const encrypted = cli(['crypto', 'encrypt', ...KEYS], 'ünïcødé consumer-secret\n');
    expect(encrypted).toMatchObject({ code: 0, stderr: '' });
    expect(encrypted.stdout).toMatch(/^[A-Za-z0-9+/]+=*\n$/);

    expect(cli(['crypto', 'decrypt', ...KEYS], encrypted.stdout)).toEqual({ code: 0, stdout: 'ünïcødé consumer-secret\n', stderr: '' });
  });

  it('fails with one line on stderr and no stack trace', () => {
    const result = cli(['crypto', 'decrypt', ...KEYS], 'not-a-stored-value\n');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: cannot decrypt the value: stored value is not valid base64\n');
  });
});
