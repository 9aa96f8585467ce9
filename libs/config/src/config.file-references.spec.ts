import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig } from './index.js';
import { ENV, removeTempFolders, SECRETS, toml, writeConfig } from './test/config.fixture.js';

afterEach(removeTempFolders);

/** Writes deployment.toml and, beside it, the given files; returns a loader for the Key Manager's view. */
function configWith(text: string, files: Record<string, string>, env: NodeJS.ProcessEnv = ENV) {
  const file = writeConfig(text);
  const write = (name: string, content: string) => writeFileSync(join(dirname(file), name), content);
  for (const [name, content] of Object.entries(files)) write(name, content);
  return { load: () => loadConfig({ service: 'key-manager', file, env }), write };
}

describe('loadConfig: $file{} references', () => {
  it('reads a secret from a file relative to deployment.toml, without its trailing newline', () => {
    const { load } = configWith(toml({}, '[encryption]\nkey = "$file{symmetric.key}"'), { 'symmetric.key': 'k3y-from-a-file-of-32-characters\n' });
    expect(load().encryption.key).toBe('k3y-from-a-file-of-32-characters');
  });

  it('reads the file on every load, so a reload (encryption rollout) picks up a new key without a restart', () => {
    const { load, write } = configWith(toml({}, '[encryption]\nkey = "$file{symmetric.key}"'), { 'symmetric.key': 'first-key-of-32-characters-long!' });
    expect(load().encryption.key).toBe('first-key-of-32-characters-long!');
    write('symmetric.key', 'second-key-of-32-characters-long');
    expect(load().encryption.key).toBe('second-key-of-32-characters-long');
  });

  it('works beside $env{} in one value', () => {
    const { load } = configWith(toml({ database: 'url = "postgres://apim:$file{db.password}@$env{DB_HOST}:5432/apim"' }), { 'db.password': 'pw-from-file\n' }, { ...ENV, DB_HOST: 'db' });
    expect(load().database.url).toBe('postgres://apim:pw-from-file@db:5432/apim');
  });

  it('names an unreadable file and its reason, never a value', () => {
    const { load } = configWith(toml({}, '[encryption]\nkey = "$file{missing.key}"'), {});
    let error: unknown;
    try {
      load();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues.find((i) => i.key === 'encryption.key');
    expect(issue?.problem).toBe('reads $file{missing.key}, which cannot be read (ENOENT)');
    for (const secret of Object.values(SECRETS)) expect((error as ConfigError).format()).not.toContain(secret);
  });
});
