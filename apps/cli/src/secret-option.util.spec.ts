import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTempFolders, run, tempFolder, VECTOR_ALIAS, VECTOR_PASSWORD, VECTORS_DIR } from '../test/cli.fixture.js';

// Every secret flag comes in three forms — the value, --<flag>-file, --<flag>-env — and, when none is given
// and a terminal is there, a hidden prompt. Checked here on `keystore inspect|create` and `crypto`.

const PASSWORD = 'secret-input-Pw-83jd';
const JKS = path.join(VECTORS_DIR, 'primary.jks');

// RSA key generation takes seconds on a busy machine: one keystore serves every test that only reads one.
let folder: string;
let keystore: string;

beforeAll(async () => {
  folder = tempFolder();
  keystore = path.join(folder, 'primary.p12');
  expect((await run(['keystore', 'create', '--out', keystore, '--password', PASSWORD, '--alias', 'wso2carbon'])).code).toBe(0);
}, 60_000);

afterAll(removeTempFolders);

describe('secret flags: --x, --x-file, --x-env, or a prompt', () => {
  it('reads a password from a file relative to the current folder, without its trailing newline', async () => {
    writeFileSync(path.join(folder, 'keystore.pass'), `${PASSWORD}\n`, { mode: 0o600 });
    const result = await run(['keystore', 'inspect', '--keystore', 'primary.p12', '--password-file', 'keystore.pass'], { cwd: folder });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Keystore ${path.join(folder, 'primary.p12')} (PKCS12), 1 entry`);
  });

  it('reads a password from the environment variable named by --x-env', async () => {
    const result = await run(['keystore', 'inspect', '--keystore', keystore, '--password-env', 'KS_PASS'], { env: { KS_PASS: PASSWORD } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('asks on the terminal when no form is given, and never echoes the answer', async () => {
    const result = await run(['keystore', 'inspect', '--keystore', keystore], { terminal: [PASSWORD] });
    expect(result).toMatchObject({ code: 0, stderr: '', prompts: ['Keystore password:'] });
    expect(result.stdout).not.toContain(PASSWORD);
  });

  it('keystore create asks twice and writes nothing when the two answers differ', async () => {
    const file = path.join(tempFolder(), 'typed.p12');
    const mismatch = await run(['keystore', 'create', '--out', file, '--alias', 'wso2carbon'], { terminal: [PASSWORD, `${PASSWORD}x`] });
    expect(mismatch).toMatchObject({ code: 2, stdout: '', stderr: 'error: the two passwords typed differ; nothing was written\n' });
    expect(existsSync(file)).toBe(false);

    const typed = await run(['keystore', 'create', '--out', file, '--alias', 'wso2carbon'], { terminal: [PASSWORD, PASSWORD] });
    expect(typed).toMatchObject({ code: 0, prompts: ['Keystore password:', 'Again, to confirm:'] });
    expect((await run(['keystore', 'inspect', '--keystore', file, '--password-env', 'P'], { env: { P: PASSWORD } })).code).toBe(0);
  }, 60_000);

  it('without any form and without a terminal, stops with exit 2 naming the three forms', async () => {
    const result = await run(['keystore', 'inspect', '--keystore', JKS]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: the keystore password is missing: give --password-file FILE, --password-env NAME or --password (there is no terminal to ask on)\n',
    });
  });

  it('refuses two forms at once, an unset variable, an empty value and a missing file — naming flags, never values', async () => {
    writeFileSync(path.join(folder, 'empty.pass'), '\n');
    const cases: Array<[string[], NodeJS.ProcessEnv, number, string]> = [
      [['--password', PASSWORD, '--password-env', 'P'], { P: PASSWORD }, 2, 'error: give the keystore password once: --password and --password-env were both given\n'],
      [['--password-env', 'NOT_SET'], {}, 2, 'error: --password-env names the environment variable NOT_SET, which is not set\n'],
      [['--password-env', 'EMPTY'], { EMPTY: '' }, 2, 'error: the keystore password (--password-env) is empty\n'],
      [['--password-file', 'empty.pass'], {}, 2, 'error: the keystore password (--password-file) is empty\n'],
      [['--password-file', 'missing.pass'], {}, 1, `error: --password-file: cannot read ${path.join(folder, 'missing.pass')} (ENOENT)\n`],
    ];
    for (const [flags, env, code, stderr] of cases) {
      expect(await run(['keystore', 'inspect', '--keystore', JKS, ...flags], { env, cwd: folder })).toEqual({ code, stdout: '', stderr });
    }
  });

  it('crypto: the store password and the symmetric key from files or variables, the store password asked when missing', async () => {
    const key = 'a'.repeat(64);
    writeFileSync(path.join(folder, 'symmetric.key'), `${key}\n`, { mode: 0o600 });
    const keystoreFlags = ['--keystore', JKS, '--alias', VECTOR_ALIAS];
    const encrypted = await run(
      ['crypto', 'encrypt', ...keystoreFlags, '--store-password-env', 'KS', '--transformation', 'AES/GCM/NoPadding', '--symmetric-key-file', 'symmetric.key'],
      { stdin: 'the value\n', env: { KS: VECTOR_PASSWORD }, cwd: folder },
    );
    expect(encrypted).toMatchObject({ code: 0, stderr: '' });

    const decrypted = await run(['crypto', 'decrypt', ...keystoreFlags, '--symmetric-key-env', 'AES_KEY'], {
      stdin: encrypted.stdout,
      env: { AES_KEY: key },
      terminal: [VECTOR_PASSWORD],
    });
    expect(decrypted).toEqual({ code: 0, stdout: 'the value\n', stderr: '', prompts: ['Keystore password:'] });
  });
});
