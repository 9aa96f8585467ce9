import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './index.js';
import { ENV, loadError, removeTempFolders, SECRETS, tempFolder, toml } from './test/config.fixture.js';

afterEach(removeTempFolders);

// Each case is a bad configuration whose report must not quote the secret it involves.
const SYMMETRIC = 'symSecret-20-chars!!'; // 20 characters: an invalid AES key
const NATS_CREDENTIALS = 'natsUser:natsSecret-8kq1';

interface Case {
  name: string;
  text: string;
  env: NodeJS.ProcessEnv;
  /** The key the report must be about: proves the case exercises the rule, not some other problem. */
  key: string;
  secrets: string[];
}

const CASES: Case[] = [
  { name: 'a super admin password that is too short', text: toml(), env: { ...ENV, ADMIN_PASSWORD: 'shrt-pw' }, key: 'super_admin.password', secrets: ['shrt-pw'] },
  {
    name: 'symmetric keys of the wrong length',
    text: toml({}, '[encryption]\nkey = "$env{SYMMETRIC_KEY}"\nold_key = "symOld-Secret-17ch"'),
    env: { ...ENV, SYMMETRIC_KEY: SYMMETRIC },
    key: 'encryption.key',
    secrets: [SYMMETRIC, 'symOld-Secret-17ch'],
  },
  {
    name: 'a database URL with a password but the wrong scheme',
    text: toml({ database: 'url = "mysql://apim:$env{DB_PASSWORD}@db/apim"' }),
    env: ENV,
    key: 'database.url',
    secrets: [SECRETS.DB_PASSWORD],
  },
  { name: 'a database URL broken by its password', text: toml(), env: { ...ENV, DB_PASSWORD: 'pa/ss:w0rd-Secret' }, key: 'database.url', secrets: ['pa/ss:w0rd-Secret'] },
  {
    name: 'a NATS server URL with credentials and the wrong scheme',
    text: toml({}, `[transport.nats]\nservers = ["http://${NATS_CREDENTIALS}@nats:4222"]`),
    env: ENV,
    key: 'transport.nats.servers',
    secrets: ['natsSecret-8kq1'],
  },
  {
    name: 'a keystore password written as a number',
    text: toml({ 'keystore.primary': 'file_name = "k.p12"\nalias = "a"\npassword = 90817263' }),
    env: ENV,
    key: 'keystore.primary.password',
    secrets: ['90817263'],
  },
  { name: 'a mistyped password key', text: toml({}, '[transport.nats]\npasword = "typoSecret-3jv7"'), env: ENV, key: 'transport.nats.pasword', secrets: ['typoSecret-3jv7'] },
  {
    name: 'a secret pasted inside a malformed reference',
    text: toml({}, '[transport.nats]\npassword = "$env{refSecret 5ty}"'),
    env: ENV,
    key: 'transport.nats.password',
    secrets: ['refSecret 5ty'],
  },
  {
    name: 'a password in a forbidden overlay',
    text: toml({}, '[devportal.super_admin]\npassword = "overlaySecret-1zz"'),
    env: ENV,
    key: 'devportal.super_admin',
    secrets: ['overlaySecret-1zz'],
  },
];

describe('loadConfig: secrets never reach a message', () => {
  it.each(CASES)('$name', ({ text, env, key, secrets }) => {
    const error = loadError(text, 'key-manager', env);

    expect(error.issues.map((i) => i.key)).toContain(key);
    for (const secret of secrets) {
      expect(error.format()).not.toContain(secret);
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.issues)).not.toContain(secret);
    }
  });

  it('keeps a syntax error on a line holding a password out of the message', () => {
    const file = join(tempFolder(), 'deployment.toml');
    writeFileSync(file, '[keystore.primary]\npassword = "syntaxSecret-6gh2\nalias = "a"\n');

    let error: unknown;
    try {
      loadConfig({ service: 'key-manager', file, env: ENV });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_SYNTAX');
    expect((error as ConfigError).format()).not.toContain('syntaxSecret');
    expect((error as ConfigError).message).not.toContain('syntaxSecret');
  });
});

describe('loadConfig: placeholder secrets are refused', () => {
  // The example values earlier versions of deploy/.env.example shipped, which a platform team could forget to replace.
  const example = {
    DB_PASSWORD: 'example-db-password-change-me',
    KEYSTORE_PASSWORD: 'example-keystore-password-change-me',
    ADMIN_PASSWORD: 'example-admin-password-change-me',
  };

  it('refuses example passwords, naming the key and the variable, not the value', () => {
    const error = loadError(toml(), 'key-manager', { ...ENV, ...example });
    const placeholders = error.issues.filter((issue) => issue.problem.includes('placeholder'));
    expect(placeholders.map((issue) => issue.key).sort()).toEqual(['database.url', 'keystore.primary.password', 'super_admin.password']);
    expect(error.format()).toContain('holds a placeholder ("…change-me"), not a secret (from $env{DB_PASSWORD})');
    expect(error.format()).toContain('openssl rand -hex 24');
    for (const value of Object.values(example)) expect(error.format()).not.toContain(value);
  });

  it('refuses one in a $file{} secret too, and any spelling of "change me" in a secret key', () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'admin_password'), 'ChangeMe-please\n');
    const file = join(folder, 'deployment.toml');
    writeFileSync(file, toml({ super_admin: 'username = "admin"\npassword = "$file{admin_password}"' }));
    let error: unknown;
    try {
      loadConfig({ service: 'key-manager', file, env: ENV });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).issues.map((issue) => issue.key)).toEqual(['super_admin.password']);
    expect(loadError(toml({}, '[transport.nats]\nuser = "apim"\npassword = "nats_change_me"')).issues.map((i) => i.key)).toEqual(['transport.nats.password']);
  });

  it('accepts real secrets, and "change me" in keys that are not secret', () => {
    expect(() => loadConfig({ service: 'key-manager', file: writeToml(toml({ super_admin: 'username = "change-me"\npassword = "$env{ADMIN_PASSWORD}"' })), env: ENV })).not.toThrow();
  });
});

function writeToml(text: string): string {
  const file = join(tempFolder(), 'deployment.toml');
  writeFileSync(file, text);
  return file;
}
