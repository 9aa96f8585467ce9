// The built CLI as operators run it: a real process, real stdin/stdout, the exit status. Everything else is
// covered in-process by the specs beside the code.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, VECTOR_PASSWORD, vectorKeystoreFlags } from './cli.fixture.js';

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

describe('the token-encryption command (package.json "bin")', () => {
  const BIN = path.join(REPO_ROOT, 'bin/token-encryption.mjs');
  const JKS = path.join(REPO_ROOT, '../shared/vectors/wso2/primary.jks');
  let folder: string;
  // detached: no controlling terminal, whatever the terminal the tests run in (the CLI would prompt on it).
  const spawnOptions = (cwd: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    const { DEPLOYMENT_CONFIG: _ignored, ...env } = process.env;
    return { cwd, encoding: 'utf8' as const, env: { ...env, ...extraEnv }, timeout: 60_000, detached: true };
  };

  // A password that appears nowhere else in the output (the vectors' password is also their alias).
  const TYPED_PASSWORD = 'typed-Pa55-q8z';

  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'cli-bin-'));
    writeFileSync(path.join(folder, 'keystore.pass'), `${VECTOR_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(path.join(folder, 'typed.pass'), TYPED_PASSWORD, { mode: 0o600 });
    const created = spawnSync(process.execPath, [BIN, 'keystore', 'create', '--out', 'typed.p12', '--alias', 'apim', '--password-file', 'typed.pass'], spawnOptions(folder));
    expect(created.status).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));


  it('resolves relative paths against the folder it runs in', () => {
    const result = spawnSync(process.execPath, [BIN, 'keystore', 'inspect', '--keystore', path.relative(folder, JKS), '--password-file', 'keystore.pass', '--json'], spawnOptions(folder));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ file: JKS, type: 'JKS' });
  });

  it('`npm run cli` resolves them against the folder npm was started in, not the repository root', () => {
    const sub = path.join(REPO_ROOT, 'apps');
    const npm = spawnSync('npm', ['run', '--silent', 'cli', '--', 'keystore', 'inspect', '--keystore', path.relative(sub, JKS), '--password-file', path.relative(sub, path.join(folder, 'keystore.pass')), '--json'], spawnOptions(sub));
    expect(npm.stderr).toBe('');
    expect(npm.status).toBe(0);
    expect(JSON.parse(npm.stdout).file).toBe(JKS);
  });

  it('`npx token-encryption` runs it from any folder of the repository, and its help shows that form', () => {
    const npx = spawnSync('npx', ['--offline', 'token-encryption', 'keystore', 'inspect', '--help'], spawnOptions(path.join(REPO_ROOT, 'libs')));
    expect(npx.status).toBe(0);
    expect(npx.stdout).toMatch(/^Usage: npx token-encryption keystore inspect /);
    expect(npx.stdout).toContain('$ npx token-encryption keystore inspect --keystore ');
  });

  it('asks for a missing password on the terminal with the input hidden', async () => {
    // `script` gives the CLI a pseudo-terminal; the password is typed once the prompt shows.
    const child = spawn('script', ['-qec', `${process.execPath} ${BIN} keystore inspect --keystore typed.p12`, '/dev/null'], { cwd: folder, env: spawnOptions(folder).env });
    let output = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!typed && output.includes('Keystore password:')) {
        typed = true;
        child.stdin.write(`${TYPED_PASSWORD}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(output).toContain(`Keystore ${path.join(folder, 'typed.p12')} (PKCS12)`);
    expect(output).not.toContain(TYPED_PASSWORD);
  }, 60_000);
});
