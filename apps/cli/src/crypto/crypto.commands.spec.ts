import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeStoredValue } from '@app/crypto';
import {
  readVectors,
  removeTempFolders,
  run,
  tempFolder,
  vectorKeystoreFlags,
  VECTORS_DIR,
  type RunResult,
} from '../../test/cli.fixture.js';

const { certificateThumbprintSha1, vectors } = readVectors();
// Opening a PKCS#12 file costs about half a second (its key derivation runs in JavaScript), a JKS file
// milliseconds: tests about anything but the keystore format use the JKS copy of the same key.
const KEYS = vectorKeystoreFlags('JKS');
const P12 = vectorKeystoreFlags('PKCS12');
const AES_KEY = '956bde61e39c9602e4043b11a648faf4c270f43c8c4925c7f202e0971d594b9b';
const WRITEABLE = ['RSA/ECB/OAEPwithSHA1andMGF1Padding', 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding', 'AES/GCM/NoPadding'] as const;
const PLAINTEXT = 'ünïcødé-sécret-токен';

afterAll(removeTempFolders);

/** The one line an encrypt prints, checked to be nothing but a value and its newline. */
function storedValueOf(result: RunResult): string {
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
  return result.stdout.slice(0, -1);
}

/** What an operator must never see in an error: the secrets and values involved. */
function expectCleanFailure(result: RunResult, code: number, ...secrets: string[]): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^error: /);
  for (const secret of secrets) expect(result.stderr).not.toContain(secret);
}

/**
 * Every vector through the JKS copy of the key; through the PKCS#12 one, the first vector of each stored format
 * and transformation: what the keystore format changes is how the key is read, not how a value is decrypted,
 * and each PKCS#12 open costs half a second of key derivation (53 of them were most of this file's time).
 */
const ONE_PER_KIND = vectors.filter((v, i) => vectors.findIndex((w) => w.format === v.format && w.transformation === v.transformation) === i);

describe('crypto decrypt of the WSO2 vectors, keys from flags', () => {
  describe.each([
    ['PKCS12', ONE_PER_KIND],
    ['JKS', vectors],
  ] as const)('keystore %s', (type, cases) => {
    it.each(cases.map((v) => [v.id, v.format, v] as const))('%s (%s) gives its plaintext exactly', async (_id, _format, vector) => {
      const flags = [...vectorKeystoreFlags(type), ...(vector.symmetricKey ? ['--symmetric-key', vector.symmetricKey] : [])];
      const result = await run(['crypto', 'decrypt', ...flags], { stdin: `${vector.stored}\n` });
      expect(result).toEqual({ code: 0, stdout: `${vector.plaintext}\n`, stderr: '' });
    });
  });
});

describe('crypto encrypt, keys from flags', () => {
  it.each(WRITEABLE)('writes WSO2 self-contained %s that decrypt reads back', async (transformation) => {
    const flags = [...KEYS, '--symmetric-key', AES_KEY];
    const stored = storedValueOf(await run(['crypto', 'encrypt', ...flags, '--transformation', transformation], { stdin: `${PLAINTEXT}\n` }));

    const decoded = decodeStoredValue(stored);
    if (transformation === 'AES/GCM/NoPadding') {
      expect(decoded.format).toBe('wso2-aes-gcm-self-contained');
    } else {
      expect(decoded).toMatchObject({ format: 'wso2-rsa-self-contained', transformation, thumbprint: certificateThumbprintSha1 });
    }
    expect(await run(['crypto', 'decrypt', ...flags], { stdin: stored })).toEqual({ code: 0, stdout: `${PLAINTEXT}\n`, stderr: '' });
  });

  it("uses WSO2's default transformation when none is given", async () => {
    const stored = storedValueOf(await run(['crypto', 'encrypt', ...KEYS], { stdin: 'x' }));
    expect(decodeStoredValue(stored)).toMatchObject({ transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding' });
  });

  it.each([
    ['a\n', 'a'],
    ['a\r\n', 'a'],
    ['a\n\n', 'a\n'],
    ['a', 'a'],
  ])('strips exactly one trailing line ending from %j', async (stdin, plaintext) => {
    const stored = storedValueOf(await run(['crypto', 'encrypt', ...KEYS], { stdin }));
    expect((await run(['crypto', 'decrypt', ...KEYS], { stdin: stored })).stdout).toBe(`${plaintext}\n`);
  });

  it('encrypts an empty value (echo | …), with a warning on stderr', async () => {
    const encrypted = await run(['crypto', 'encrypt', ...KEYS], { stdin: '\n' });
    expect(encrypted).toMatchObject({ code: 0, stderr: 'warning: encrypting an empty value\n' });
    expect((await run(['crypto', 'decrypt', ...KEYS], { stdin: encrypted.stdout })).stdout).toBe('\n');
  });

  it('prompts on stderr, never stdout, when stdin is a terminal', async () => {
    const result = await run(['crypto', 'encrypt', ...KEYS], { stdin: 'typed\n', isTTY: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Type the value to encrypt');
    expect(result.stdout).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
  });
});

describe('crypto encrypt and decrypt with DEPLOYMENT_CONFIG', () => {
  const KEYSTORE_PASSWORD = 'wso2carbon';

  /** A deployment.toml beside a copy of the vectors' keystore, named relatively; returns the folder. */
  function deployment(extra: string): string {
    const dir = tempFolder();
    copyFileSync(path.join(VECTORS_DIR, 'primary.jks'), path.join(dir, 'primary.jks'));
    const keystores =
      '[keystore.primary]\nfile_name = "primary.jks"\npassword = "$env{KEYSTORE_PASSWORD}"\nalias = "wso2carbon"\n';
    writeFileSync(path.join(dir, 'deployment.toml'), `[database]\nurl = "postgres://apim@localhost:5432/apim"\n\n${keystores}\n${extra}\n`);
    return dir;
  }
  const env = (dir: string) => ({ DEPLOYMENT_CONFIG: path.join(dir, 'deployment.toml'), KEYSTORE_PASSWORD });

  it.each(WRITEABLE)('round-trips with "org.wso2.CipherTransformation" = "%s", even with token encryption off', async (transformation) => {
    const dir = deployment(
      `[apim.oauth_config]\nenable_token_encryption = false\n\n[system.parameter]\n"org.wso2.CipherTransformation" = "${transformation}"\n\n[encryption]\nkey = "${AES_KEY}"`,
    );
    const stored = storedValueOf(await run(['crypto', 'encrypt'], { stdin: `${PLAINTEXT}\n`, env: env(dir) }));
    expect(stored).not.toContain(PLAINTEXT);
    const decoded = decodeStoredValue(stored);
    expect(decoded.format === 'wso2-aes-gcm-self-contained' ? 'AES/GCM/NoPadding' : decoded.format === 'wso2-rsa-self-contained' && decoded.transformation).toBe(
      transformation,
    );
    expect(await run(['crypto', 'decrypt'], { stdin: stored, env: env(dir) })).toEqual({ code: 0, stdout: `${PLAINTEXT}\n`, stderr: '' });
  });

  it('resolves a relative DEPLOYMENT_CONFIG against the working directory', async () => {
    const dir = deployment('');
    const vector = vectors.find((v) => v.format === 'wso2-rsa-legacy-raw')!;
    const result = await run(['crypto', 'decrypt'], { stdin: vector.stored, cwd: dir, env: { DEPLOYMENT_CONFIG: 'deployment.toml', KEYSTORE_PASSWORD } });
    expect(result).toEqual({ code: 0, stdout: `${vector.plaintext}\n`, stderr: '' });
  });

  it('decrypts with an old keystore and old key, and lets --keystore flags replace the primary', async () => {
    const dir = deployment('');
    const created = await run(['keystore', 'create', '--out', path.join(dir, 'new.p12'), '--password', 'new-store-pw', '--alias', 'new']);
    expect(created.code).toBe(0);
    const aesVector = vectors.find((v) => v.symmetricKey && v.plaintext !== '')!;
    const rsaVector = vectors.find((v) => v.format === 'wso2-rsa-self-contained')!;
    writeFileSync(
      path.join(dir, 'deployment.toml'),
      `[database]\nurl = "postgres://apim@localhost:5432/apim"\n\n` +
        `[keystore.primary]\nfile_name = "new.p12"\npassword = "new-store-pw"\nalias = "new"\n\n` +
        `[[keystore.old]]\nfile_name = "primary.jks"\npassword = "$env{KEYSTORE_PASSWORD}"\nalias = "wso2carbon"\n\n` +
        `[encryption]\nkey = "${AES_KEY.slice(0, 32)}"\nold_key = "${aesVector.symmetricKey}"\n`,
    );
    for (const vector of [aesVector, rsaVector]) {
      expect(await run(['crypto', 'decrypt'], { stdin: vector.stored, env: env(dir) })).toEqual({ code: 0, stdout: `${vector.plaintext}\n`, stderr: '' });
    }
    // Encrypt writes with the primary: the new keystore from the file, the vectors' one from the flags.
    const fromConfig = decodeStoredValue(storedValueOf(await run(['crypto', 'encrypt'], { stdin: 'v', env: env(dir) })));
    expect(fromConfig).toMatchObject({ format: 'wso2-rsa-self-contained' });
    expect(fromConfig).not.toMatchObject({ thumbprint: certificateThumbprintSha1 });
    const fromFlags = decodeStoredValue(storedValueOf(await run(['crypto', 'encrypt', ...KEYS], { stdin: 'v', env: env(dir) })));
    expect(fromFlags).toMatchObject({ thumbprint: certificateThumbprintSha1 });
  }, 30_000);

  it('exits 78 listing the configuration problems, without the secrets', async () => {
    const dir = tempFolder();
    writeFileSync(
      path.join(dir, 'deployment.toml'),
      '[keystore.primary]\nfile_name = "primary.p12"\npassword = "cfgSecret-2hv7Nc"\nalias = "wso2carbon"\n\n[encryption]\nkey = "shortSecret-8g"\n',
    );
    const result = await run(['crypto', 'decrypt'], { stdin: vectors[0]!.stored, env: env(dir) });
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: Configuration is invalid for cli \(2 problems\): .*deployment\.toml\n/);
    expect(result.stderr).toContain('database.url');
    expect(result.stderr).toContain('encryption.key');
    expect(result.stderr).not.toContain('cfgSecret-2hv7Nc');
    expect(result.stderr).not.toContain('shortSecret-8g');
  });

  it('exits 78 naming the configuration when its keystore password is wrong', async () => {
    const dir = deployment('');
    const result = await run(['crypto', 'encrypt'], { stdin: PLAINTEXT, env: { ...env(dir), KEYSTORE_PASSWORD: 'badSecret-6tr2Mn' } });
    expectCleanFailure(result, 78, 'badSecret-6tr2Mn', PLAINTEXT);
    expect(result.stderr).toContain(`wrong keystore password for ${path.join(dir, 'primary.jks')}`);
    expect(result.stderr).toContain(`keystore set by [keystore.primary] in ${path.join(dir, 'deployment.toml')}`);
  });
});

describe('crypto errors', () => {
  const rsaVector = vectors.find((v) => v.format === 'wso2-rsa-self-contained' && v.plaintext !== '')!;
  const aesVector = vectors.find((v) => v.format === 'wso2-aes-gcm-self-contained' && v.plaintext !== '')!;

  /** The vector with one byte of its ciphertext flipped, re-wrapped so that it is still well-formed. */
  function tampered(stored: string): string {
    const outer = JSON.parse(Buffer.from(stored, 'base64').toString('utf8'));
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[bytes.length - 20] ^= 0x01;
      return bytes.toString('base64');
    };
    if (outer.iv === undefined) outer.c = flip(outer.c);
    else {
      const inner = JSON.parse(Buffer.from(outer.c, 'base64').toString('utf8'));
      inner.cipher = flip(inner.cipher);
      outer.c = Buffer.from(JSON.stringify(inner)).toString('base64');
    }
    return Buffer.from(JSON.stringify(outer)).toString('base64');
  }

  it('says the keystore password is wrong, without echoing it', async () => {
    const flags = [...P12];
    flags[3] = 'wrongSecret-4pz8Kd';
    const result = await run(['crypto', 'decrypt', ...flags], { stdin: rsaVector.stored });
    expectCleanFailure(result, 1, 'wrongSecret-4pz8Kd', rsaVector.stored);
    expect(result.stderr).toBe(`error: wrong keystore password for ${path.join(VECTORS_DIR, 'primary.p12')} (or the file is damaged); keystore given by --keystore\n`);
  });

  it('names an unknown alias and the aliases present', async () => {
    const flags = [...KEYS];
    flags[5] = 'apim';
    const result = await run(['crypto', 'encrypt', ...flags], { stdin: PLAINTEXT });
    expectCleanFailure(result, 1, PLAINTEXT);
    expect(result.stderr).toContain('has no entry "apim"; aliases present: "wso2carbon"');
  });

  it.each([
    ['RSA', rsaVector],
    ['AES-GCM', aesVector],
  ])('reports a tampered %s value as altered', async (_kind, vector) => {
    const value = tampered(vector.stored);
    const result = await run(['crypto', 'decrypt', ...KEYS, '--symmetric-key', vector.symmetricKey ?? AES_KEY], { stdin: value });
    expectCleanFailure(result, 1, value, vector.plaintext);
    expect(result.stderr).toMatch(/^error: cannot decrypt the value: .*altered/);
  });

  it.each([
    ['garbage', 'not-a-stored-value!'],
    ['a truncated value', rsaVector.stored.slice(0, -9)],
    ['a line-wrapped value', `${rsaVector.stored.slice(0, 76)}\n${rsaVector.stored.slice(76)}`],
    ['JSON that is not a WSO2 envelope', Buffer.from('{"c":"x"}').toString('base64')],
  ])('reports %s as malformed', async (_case, value) => {
    const result = await run(['crypto', 'decrypt', ...KEYS], { stdin: `${value}\n` });
    expectCleanFailure(result, 1, value);
    expect(result.stderr).toMatch(/^error: cannot decrypt the value: /);
  });

  it('says when no configured key fits', async () => {
    const dir = tempFolder();
    const other = path.join(dir, 'other.p12');
    expect((await run(['keystore', 'create', '--out', other, '--password', 'other-pw', '--alias', 'other'])).code).toBe(0);
    const result = await run(['crypto', 'decrypt', '--keystore', other, '--store-password', 'other-pw', '--alias', 'other'], { stdin: rsaVector.stored });
    expectCleanFailure(result, 1, rsaVector.stored, rsaVector.plaintext);
    expect(result.stderr).toContain(`stored under key ${certificateThumbprintSha1}`);
  }, 20_000);

  it('says an AES value needs a symmetric key', async () => {
    const result = await run(['crypto', 'decrypt', ...KEYS], { stdin: aesVector.stored });
    expectCleanFailure(result, 1, aesVector.stored);
    expect(result.stderr).toContain('no symmetric key is configured');
  });

  it('refuses empty input to decrypt', async () => {
    expectCleanFailure(await run(['crypto', 'decrypt', ...KEYS], { stdin: '\n' }), 1);
  });

  it('refuses input that is not UTF-8', async () => {
    const result = await run(['crypto', 'encrypt', ...KEYS], { stdin: Buffer.from([0x61, 0xff, 0xfe]) });
    expectCleanFailure(result, 1);
    expect(result.stderr).toBe('error: standard input is not valid UTF-8 text\n');
  });

  it.each([
    ['no config and no keystore flags', [], 'set DEPLOYMENT_CONFIG'],
    ['--alias without --keystore', ['--alias', 'wso2carbon'], '--alias describes the keystore given with --keystore'],
    ['--keystore without a store password (and no terminal)', ['--keystore', 'x.p12', '--alias', 'a'], 'the keystore password is missing: give --store-password-file FILE, --store-password-env NAME or --store-password'],
    ['a read-only transformation', [...KEYS, '--transformation', 'RSA/ECB/PKCS1Padding'], 'read-only'],
    ['an unknown transformation', [...KEYS, '--transformation', 'DES'], 'invalid --transformation'],
    ['AES without a key', [...KEYS, '--transformation', 'AES/GCM/NoPadding'], 'needs a symmetric key'],
    ['an invalid symmetric key', [...KEYS, '--symmetric-key', 'shortKey-Secret'], 'invalid --symmetric-key'],
    ['the value as an argument', [...KEYS, PLAINTEXT], 'too many arguments'],
  ])('exits 2 for %s', async (_case, flags, message) => {
    const result = await run(['crypto', 'encrypt', ...flags], { stdin: PLAINTEXT });
    expectCleanFailure(result, 2, 'shortKey-Secret', PLAINTEXT);
    expect(result.stderr).toContain(message);
  });
});
