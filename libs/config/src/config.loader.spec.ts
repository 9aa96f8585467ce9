import { jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadConfigFor, loadConfigOrExit, reloadConfig } from './index.js';
import { ENV, removeTempFolders, tempFolder, toml, writeConfig } from './test/config.fixture.js';

afterEach(() => {
  removeTempFolders();
  jest.restoreAllMocks();
});

function caught(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig: which file', () => {
  it('reads the file named by DEPLOYMENT_CONFIG', () => {
    const file = writeConfig(toml());

    expect(loadConfig({ service: 'key-manager', env: { ...ENV, DEPLOYMENT_CONFIG: file } }).file).toBe(file);
  });

  it('prefers an explicit file over DEPLOYMENT_CONFIG', () => {
    const explicit = writeConfig(toml());
    const fromEnv = join(tempFolder(), 'missing.toml');

    expect(loadConfig({ service: 'key-manager', file: explicit, env: { ...ENV, DEPLOYMENT_CONFIG: fromEnv } }).file).toBe(explicit);
  });

  it('says to set DEPLOYMENT_CONFIG when there is no file at all', () => {
    const error = caught(() => loadConfig({ service: 'devportal', env: {} }));

    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.file).toBeUndefined();
    expect(error.issues).toEqual([expect.objectContaining({ key: 'DEPLOYMENT_CONFIG', problem: 'is not set, and no file was given' })]);
    expect(error.format()).toContain('DEPLOYMENT_CONFIG=/etc/apim/deployment.toml');
  });

  it('names the missing path and that DEPLOYMENT_CONFIG chose it', () => {
    const missing = join(tempFolder(), 'nope.toml');

    const error = caught(() => loadConfig({ service: 'key-manager', env: { DEPLOYMENT_CONFIG: missing } }));

    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.file).toBe(missing);
    expect(error.issues[0]).toMatchObject({ key: 'DEPLOYMENT_CONFIG', problem: `names ${missing}, which does not exist` });
    expect(error.format()).toContain(`DEPLOYMENT_CONFIG: names ${missing}, which does not exist`);
  });

  it('names the missing path and that it was given explicitly, resolved against the working directory', () => {
    const error = caught(() => loadConfig({ service: 'key-manager', file: 'no/such/deployment.toml', env: ENV }));

    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.file).toBe(join(process.cwd(), 'no/such/deployment.toml'));
    expect(error.issues[0]).toMatchObject({
      key: '',
      problem: `the file given explicitly, no/such/deployment.toml (${error.file}, resolved against the working directory), does not exist`,
    });
  });

  it('reports a directory as unreadable', () => {
    const folder = tempFolder();

    const error = caught(() => loadConfig({ service: 'key-manager', file: folder, env: ENV }));

    expect(error.code).toBe('CONFIG_UNREADABLE');
    expect(error.issues[0]!.problem).toContain('is a directory');
  });

  it('reports a TOML syntax error with its line and column', () => {
    const file = writeConfig('[server]\nport = 9443\nhost = 0.0.0.0\n');

    const error = caught(() => loadConfig({ service: 'key-manager', file, env: ENV }));

    expect(error.code).toBe('CONFIG_SYNTAX');
    expect(error.file).toBe(file);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.problem).toMatch(/^line 3, column \d+: /);
    expect(error.format()).toContain(file);
  });

  it('reads a file that starts with a byte order mark', () => {
    expect(() => loadConfig({ service: 'key-manager', file: writeConfig(`\uFEFF${toml()}`), env: ENV })).not.toThrow();
  });
});

describe('ConfigError.format', () => {
  it('prints the file, then one line per issue with key, problem and expectation', () => {
    const file = writeConfig(toml({}, '[server]\nport = 0\n[log]\nlevel = "loud"'));

    const error = caught(() => loadConfig({ service: 'key-manager', file, env: ENV }));

    expect(error.format()).toBe(
      [
        `Configuration is invalid for key-manager (2 problems): ${file}`,
        '  - server.port: is 0; expected an integer from 1 to 65535',
        '  - log.level: is "loud"; expected one of fatal, error, warn, info, debug, trace',
      ].join('\n'),
    );
    expect(error.message).toBe(error.format());
  });
});

describe('loadConfigOrExit', () => {
  it('prints the problems to stderr and exits with 78 (EX_CONFIG)', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const file = writeConfig(toml({ database: null }));

    expect(() => loadConfigOrExit({ service: 'key-manager', file, env: ENV })).toThrow('exit 78');
    expect(exit).toHaveBeenCalledWith(78);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('database.url: is missing'));
  });

  it('returns the configuration when it is valid', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);

    expect(loadConfigOrExit({ service: 'devportal', file: writeConfig(toml()), env: ENV }).server.port).toBe(9444);
    expect(exit).not.toHaveBeenCalled();
  });
});

describe('reloadConfig', () => {
  it('reads the changed file again with the environment the first load was given, not the process environment', () => {
    const file = writeConfig(toml());
    const given = { ...ENV, KEYSTORE_PASSWORD: 'given-at-start-7q' };
    const first = loadConfig({ service: 'key-manager', file, env: given });
    writeFileSync(file, toml({}, '[log]\nlevel = "debug"'));

    const fresh = reloadConfig(first);
    expect(fresh).toMatchObject({ service: 'key-manager', file, log: { level: 'debug' } });
    expect(fresh.keystore.primary.password).toBe('given-at-start-7q');
  });

  it('reports what the changed file gets wrong', () => {
    const file = writeConfig(toml());
    const first = loadConfig({ service: 'devportal', file, env: ENV });
    writeFileSync(file, toml({}, '[log]\nlevel = "loud"'));

    expect(caught(() => reloadConfig(first)).issues.map((i) => i.key)).toEqual(['log.level']);
  });
});

describe('loadConfigFor', () => {
  const SCHEMAS = toml({}, '[key_manager.database]\nschema = "km"\n[devportal.database]\nschema = "portal"');

  it("gives the CLI each service's view of the same file", () => {
    const cli = loadConfig({ service: 'cli', file: writeConfig(SCHEMAS), env: ENV });

    expect(cli.database.schema).toBe('key_manager');
    expect(loadConfigFor('key-manager', cli).database.schema).toBe('km');
    expect(loadConfigFor('devportal', cli)).toMatchObject({ service: 'devportal', database: { schema: 'portal' }, file: cli.file });
  });

  it('resolves from the content the first view was loaded from, even if the file changed since', () => {
    const file = writeConfig(SCHEMAS);
    const cli = loadConfig({ service: 'cli', file, env: ENV });
    writeFileSync(file, 'not = [valid');

    expect(loadConfigFor('devportal', cli).database.schema).toBe('portal');
  });

  it('uses the environment of the first view unless given another', () => {
    const cli = loadConfig({ service: 'cli', file: writeConfig(SCHEMAS), env: ENV });

    expect(loadConfigFor('devportal', cli).keystore.primary.password).toBe(ENV['KEYSTORE_PASSWORD']);
    expect(loadConfigFor('devportal', cli, { ...ENV, KEYSTORE_PASSWORD: 'other-pass' }).keystore.primary.password).toBe('other-pass');
  });

  it("throws when the file is not valid for the other service's requirements", () => {
    const cli = loadConfig({ service: 'cli', file: writeConfig(toml({ super_admin: null })), env: ENV });

    expect(caught(() => loadConfigFor('key-manager', cli)).issues.map((i) => i.key)).toEqual(['super_admin']);
  });
});
