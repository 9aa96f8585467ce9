import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createSelfSignedTlsCertificate } from '@app/crypto';
import { ConfigError, loadConfig, loadConfigFor } from './index.js';
import { ENV, issueAt, issuesOf, removeTempFolders, SECRETS, toml, writeConfig } from './test/config.fixture.js';

afterEach(removeTempFolders);

const URL_LINE = 'url = "postgres://apim:$env{DB_PASSWORD}@postgres:5432/apim"';
let certificatePem: string;

beforeAll(async () => {
  certificatePem = (await createSelfSignedTlsCertificate({ hosts: ['postgres'], validityDays: 2 })).certificatePem;
});

/** deployment.toml with `[database]` holding `lines`, and `files` beside it. */
function fileWith(lines: string, files: Record<string, string> = {}, extra = ''): string {
  const file = writeConfig(toml({ database: `${URL_LINE}\n${lines}` }, extra));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dirname(file), name), content);
  return file;
}

describe('[database] ssl_mode and ssl_ca_file', () => {
  it('resolves the CA file against deployment.toml\'s folder, and leaves TLS to the URL when ssl_mode is not set', () => {
    const file = fileWith('ssl_mode = "verify-full"\nssl_ca_file = "postgres-ca.pem"', { 'postgres-ca.pem': certificatePem });
    const config = loadConfig({ service: 'key-manager', file, env: ENV });
    expect(config.database).toMatchObject({ sslMode: 'verify-full', sslCaFile: join(dirname(file), 'postgres-ca.pem') });
    expect(loadConfig({ service: 'key-manager', file: writeConfig(toml()), env: ENV }).database).not.toHaveProperty('sslMode');
  });

  it('accepts every libpq mode that never falls back to plain text, and verify-full without a CA file (system CAs)', () => {
    for (const mode of ['disable', 'require', 'verify-full']) {
      expect(loadConfig({ service: 'key-manager', file: fileWith(`ssl_mode = "${mode}"`), env: ENV }).database.sslMode).toBe(mode);
    }
  });

  it('refuses another mode, naming the ones it takes', () => {
    const issue = issueAt(issuesOf(toml({ database: `${URL_LINE}\nssl_mode = "prefer"` })), 'database.ssl_mode');
    expect(issue.problem).toMatch(/prefer/);
    expect(issue.expected).toMatch(/"disable", "require", "verify-ca", "verify-full"/);
  });

  it('refuses a CA file that is missing or holds no certificate, naming the file', () => {
    const missing = issueAt(issuesOf(toml({ database: `${URL_LINE}\nssl_mode = "verify-full"\nssl_ca_file = "/nonexistent/postgres-ca.pem"` })), 'database.ssl_ca_file');
    expect(missing.problem).toBe('names /nonexistent/postgres-ca.pem, which cannot be read (ENOENT)');
    const file = fileWith('ssl_mode = "verify-full"\nssl_ca_file = "not-a-cert.pem"', { 'not-a-cert.pem': 'hello\n' });
    let message = '';
    try {
      loadConfig({ service: 'key-manager', file, env: ENV });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`database.ssl_ca_file: names ${join(dirname(file), 'not-a-cert.pem')}, which holds no PEM certificate`);
    for (const secret of Object.values(SECRETS)) expect(message).not.toContain(secret);
  });

  it('refuses a CA file with a mode that would not check the certificate, and verify-ca without one', () => {
    const refusal = (lines: string) => {
      try {
        loadConfig({ service: 'key-manager', file: fileWith(lines, { 'ca.pem': certificatePem }), env: ENV });
      } catch (error) {
        return issueAt((error as ConfigError).issues, 'database.ssl_ca_file').problem;
      }
      throw new Error('loaded');
    };
    expect(refusal('ssl_mode = "require"\nssl_ca_file = "ca.pem"')).toBe('is set, but ssl_mode is "require", which does not check the server\'s certificate');
    expect(refusal('ssl_ca_file = "ca.pem"')).toBe('is set, but ssl_mode is not');
    expect(issueAt(issuesOf(toml({ database: `${URL_LINE}\nssl_mode = "verify-ca"` })), 'database.ssl_mode').problem).toBe('is "verify-ca", but ssl_ca_file is not set');
  });

  it('refuses TLS set both in the URL and in ssl_mode (node-postgres would let the URL win), without quoting the URL', () => {
    const issues = issuesOf(toml({ database: 'url = "postgres://apim:$env{DB_PASSWORD}@postgres:5432/apim?sslmode=disable"\nssl_mode = "verify-full"' }));
    const issue = issueAt(issues, 'database.url');
    expect(issue.problem).toBe('sets sslmode in its query, and ssl_mode is set too');
    expect(JSON.stringify(issues)).not.toContain(SECRETS.DB_PASSWORD);
  });

  it('is overlaid per service: the portal may reach another database server with its own CA', () => {
    const file = fileWith('ssl_mode = "verify-full"', { 'portal-ca.pem': certificatePem }, '[devportal.database]\nssl_mode = "verify-ca"\nssl_ca_file = "portal-ca.pem"');
    const km = loadConfig({ service: 'key-manager', file, env: ENV });
    expect(km.database).toMatchObject({ sslMode: 'verify-full' });
    expect(km.database).not.toHaveProperty('sslCaFile');
    expect(loadConfigFor('devportal', km).database).toMatchObject({ sslMode: 'verify-ca', sslCaFile: join(dirname(file), 'portal-ca.pem') });
  });
});
