import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadKeystore } from '@app/crypto';
import { readVectors, removeTempFolders, run, tempFolder, VECTOR_PASSWORD, VECTORS_DIR } from '../../test/cli.fixture.js';

const PASSWORD = 'createSecret-5tq9Xw';
const DAY_MS = 24 * 60 * 60 * 1000;

afterAll(removeTempFolders);

async function inspectJson(file: string, password = PASSWORD) {
  const result = await run(['keystore', 'inspect', '--keystore', file, '--password', password, '--json']);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
}

describe('keystore create', () => {
  it('writes a 0600 PKCS#12 file, creating folders, that inspect and loadKeystore read back', async () => {
    const file = path.join(tempFolder(), 'nested', 'keys', 'primary.p12');
    const created = await run([
      'keystore', 'create', '--out', file, '--password', PASSWORD, '--alias', 'apim',
      '--dname', 'CN=apim.example.com, O=Example, C=US', '--validity-days', '30',
    ]);

    expect(created.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const report = await inspectJson(file);
    expect(report.type).toBe('PKCS12');
    expect(report.entries).toHaveLength(1);
    const [entry] = report.entries;
    expect(entry).toMatchObject({ alias: 'apim', hasPrivateKey: true, keyAlgorithm: 'RSA', keySizeBits: 2048, subject: 'CN=apim.example.com, O=Example, C=US', expired: false });
    expect(Math.abs(Date.parse(entry.notAfter) - (Date.now() + 30 * DAY_MS))).toBeLessThan(5 * 60_000);
    // The summary names what an operator needs to configure it, and never the password.
    expect(created.stdout).toContain(file);
    expect(created.stdout).toContain(entry.thumbprint);
    expect(created.stdout).toContain('RSA 2048');
    expect(created.stdout + created.stderr).not.toContain(PASSWORD);

    const key = await loadKeystore({ file, type: 'PKCS12', password: PASSWORD, alias: 'apim' });
    expect(key.thumbprint).toBe(entry.thumbprint);
    expect(key.keySizeBits).toBe(2048);
  }, 60_000); // RSA key generation: seconds on a busy machine

  it('refuses to overwrite without --force, and with --force replaces the file with a new 0600 one', async () => {
    const file = path.join(tempFolder(), 'primary.p12');
    const args = ['keystore', 'create', '--out', file, '--password', PASSWORD, '--alias', 'wso2carbon'];
    expect((await run(args)).code).toBe(0);
    const before = readFileSync(file);
    chmodSync(file, 0o644);

    const refused = await run(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`error: ${file} already exists; pass --force to replace it\n`);
    expect(refused.stdout).toBe('');
    expect(readFileSync(file).equals(before)).toBe(true);

    const oldThumbprint = (await inspectJson(file)).entries[0].thumbprint;
    expect((await run([...args, '--force'])).code).toBe(0);
    expect((await inspectJson(file)).entries[0].thumbprint).not.toBe(oldThumbprint);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 60_000); // two RSA key generations: seconds each on a busy machine

  it.each([
    ['a key size WSO2 does not use', ['--key-size', '1024'], "option '--key-size <bits>' argument '1024' is invalid"],
    ['zero validity days', ['--validity-days', '0'], "option '--validity-days <days>' argument '0' is invalid"],
    ['validity days that are not a number', ['--validity-days', '1y'], "option '--validity-days <days>' argument '1y' is invalid"],
    ['an empty password', ['--password', ''], 'the keystore password (--password) is empty'],
    ['an empty alias', ['--alias', ' '], '--alias must not be empty'],
    ['a dname without KEYWORD=value', ['--dname', 'localhost'], 'invalid --dname'],
  ])('exits 2 without writing anything for %s', async (_case, override, message) => {
    const file = path.join(tempFolder(), 'primary.p12');
    const flags: Record<string, string> = { '--out': file, '--password': PASSWORD, '--alias': 'wso2carbon' };
    for (let i = 0; i < override.length; i += 2) flags[override[i]!] = override[i + 1]!;
    const result = await run(['keystore', 'create', ...Object.entries(flags).flat()]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it('exits 2 naming a missing required flag', async () => {
    const result = await run(['keystore', 'create', '--password', PASSWORD, '--alias', 'a']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--out <file>' not specified");
  });
});

describe('keystore inspect', () => {
  const { certificateThumbprintSha1 } = readVectors();

  it.each([
    ['PKCS12', 'primary.p12'],
    ['JKS', 'primary.jks'],
  ])('shows the WSO2 thumbprint of the shared %s keystore', async (type, name) => {
    const file = path.join(VECTORS_DIR, name);
    const report = await inspectJson(file, VECTOR_PASSWORD);
    expect(report).toMatchObject({ file, type });
    expect(report.entries).toEqual([
      expect.objectContaining({
        alias: 'wso2carbon',
        hasPrivateKey: true,
        keyAlgorithm: 'RSA',
        keySizeBits: 2048,
        thumbprint: certificateThumbprintSha1,
        subject: 'CN=localhost, O=Example, C=US',
        expired: false,
      }),
    ]);

    const text = await run(['keystore', 'inspect', '--keystore', file, '--password', VECTOR_PASSWORD, '--type', type.toLowerCase()]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Keystore ${file} (${type}), 1 entry`);
    expect(text.stdout).toMatch(new RegExp(`thumbprint +${certificateThumbprintSha1} \\(SHA-1\\)`));
    expect(text.stdout).toMatch(/valid until +\d{4}-\d\d-\d\dT/);
  });

  it('says the password is wrong, without echoing it', async () => {
    const file = path.join(VECTORS_DIR, 'primary.p12');
    const result = await run(['keystore', 'inspect', '--keystore', file, '--password', 'wrongSecret-3kd8Qz']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `error: wrong keystore password for ${file} (or the file is damaged)\n` });
  });

  it('says a keystore is missing, resolving a relative path against the working directory', async () => {
    const dir = tempFolder();
    const result = await run(['keystore', 'inspect', '--keystore', 'absent.p12', '--password', 'x'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: keystore ${path.join(dir, 'absent.p12')} does not exist\n`);
  });

  it('says a file that is no keystore is unreadable', async () => {
    const file = path.join(tempFolder(), 'notes.p12');
    writeFileSync(file, 'not a keystore');
    const result = await run(['keystore', 'inspect', '--keystore', file, '--password', 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: keystore .*notes\.p12 is neither a PKCS#12 nor a JKS file/);
  });
});
