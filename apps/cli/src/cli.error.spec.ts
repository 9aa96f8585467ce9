import { ConfigError } from '@app/config';
import { CryptoError } from '@app/crypto';
import { CliError, toCliError } from './cli.error.js';

describe('toCliError', () => {
  it('keeps a CliError as it is', () => {
    const error = new CliError('x', 2);
    expect(toCliError(error)).toBe(error);
  });

  it('maps a configuration error to status 78 with every issue', () => {
    const error = new ConfigError('CONFIG_INVALID', '/etc/apim/deployment.toml', [
      { key: 'database.url', problem: 'is missing', expected: 'a URL' },
      { key: 'keystore.primary', problem: 'is missing', expected: 'a table' },
    ]);
    const mapped = toCliError(error);
    expect(mapped.exitCode).toBe(78);
    expect(mapped.message).toContain('database.url: is missing');
    expect(mapped.message).toContain('keystore.primary: is missing');
  });

  it('says which keystore has the wrong password, and where it was set', () => {
    const error = new CryptoError('KEYSTORE_BAD_PASSWORD', 'wrong store password', { file: '/k/primary.jks' });
    expect(toCliError(error)).toMatchObject({ exitCode: 1, message: 'wrong keystore password for /k/primary.jks (or the file is damaged)' });
    expect(toCliError(error, { label: 'keystore set by [keystore.primary] in /d.toml', fromConfig: true })).toMatchObject({
      exitCode: 78,
      message: 'wrong keystore password for /k/primary.jks (or the file is damaged); keystore set by [keystore.primary] in /d.toml',
    });
  });

  it('shows only the class and code of an unexpected error, whose message may quote input', () => {
    const mapped = toCliError(new SyntaxError('Unexpected token, "plainSecret-8c" is not valid JSON'));
    expect(mapped.exitCode).toBe(1);
    expect(mapped.message).toBe('unexpected internal error (SyntaxError); please report it');
    const system = Object.assign(new Error('EACCES: permission denied, open /x'), { code: 'EACCES' });
    expect(toCliError(system).message).toBe('unexpected internal error (Error EACCES); please report it');
  });
});
