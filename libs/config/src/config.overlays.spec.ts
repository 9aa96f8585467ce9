import { issueAt, issuesOf, load, removeTempFolders, toml } from './test/config.fixture.js';

afterEach(removeTempFolders);

const OVERLAID = toml(
  { database: 'url = "postgres://apim:$env{DB_PASSWORD}@postgres:5432/apim"\nschema = "shared"\npool_size = 5' },
  `
[server]
host = "127.0.0.1"
port = 8000
[log]
level = "warn"
[transport.nats]
servers = ["nats://nats:4222"]

[key_manager.server]
port = 9443
[key_manager.log]
level = "debug"
[key_manager.transport.nats]
request_timeout = 2000

[devportal.server]
port = 9444
public_url = "https://portal.example.com"
[devportal.database]
schema = "devportal"
url = "postgres://portal@portal-db:5432/portal"
`,
);

describe('loadConfig: per-service overlays', () => {
  it('applies the key_manager overlay to the key manager only, key by key', () => {
    const config = load(OVERLAID, 'key-manager');

    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 9443 });
    expect(config.log.level).toBe('debug');
    expect(config.nats).toMatchObject({ servers: ['nats://nats:4222'], requestTimeoutMs: 2000 });
    expect(config.database).toMatchObject({ schema: 'shared', poolSize: 5 });
    expect(config.database.url).toContain('@postgres:5432/apim');
  });

  it('applies the devportal overlay to the devportal only', () => {
    const config = load(OVERLAID, 'devportal');

    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 9444, publicUrl: 'https://portal.example.com' });
    expect(config.database).toEqual({ url: 'postgres://portal@portal-db:5432/portal', schema: 'devportal', poolSize: 5 });
    expect(config.log.level).toBe('warn');
    expect(config.nats.requestTimeoutMs).toBe(5000);
  });

  it('gives the CLI the shared settings without any overlay', () => {
    const config = load(OVERLAID, 'cli');

    expect(config.server.port).toBe(8000);
    expect(config.database.schema).toBe('shared');
    expect(config.log.level).toBe('warn');
  });

  it.each([
    ['keystore', '[devportal.keystore.primary]\nfile_name = "other.p12"'],
    ['encryption', '[key_manager.encryption]\nkey = "0123456789abcdef"'],
    ['apim', '[devportal.apim.oauth_config]\nenable_token_encryption = false'],
    ['system', '[key_manager.system.parameter]\n"org.wso2.CipherTransformation" = "AES/GCM/NoPadding"'],
    ['super_admin', '[devportal.super_admin]\nusername = "other"'],
    ['oauth', '[devportal.oauth.token_expiry]\nrefresh_token = 60'],
  ])('rejects a per-service [%s]: one setting for all services', (section, extra) => {
    const root = extra.startsWith('[devportal') ? 'devportal' : 'key_manager';

    const issue = issueAt(issuesOf(toml({}, extra)), `${root}.${section}`);

    expect(issue.problem).toMatch(/cannot be overridden .* shared by every service/);
    expect(issue.expected).toContain(`[${section}] at the top level`);
  });

  it.each([['devportal', 'key-manager'], ['key_manager', 'devportal']] as const)(
    'rejects a per-service NATS subject_prefix in [%s.transport.nats], while its other NATS keys may differ',
    (root, loader) => {
      const issues = issuesOf(toml({}, `[${root}.transport.nats]\nrequest_timeout = 9000\nsubject_prefix = "other"`), loader);

      expect(issues.map((i) => i.key)).toEqual([`${root}.transport.nats.subject_prefix`]);
      expect(issues[0]!.problem).toMatch(/cannot be overridden .* shared by every service/);
      expect(issues[0]!.expected).toBe('subject_prefix in [transport.nats] at the top level');
    },
  );

  it('rejects a forbidden overlay in the devportal section even when the key manager loads the file', () => {
    const issues = issuesOf(toml({}, '[devportal.encryption]\nkey = "0123456789abcdef"'), 'key-manager');

    expect(issues.map((i) => i.key)).toEqual(['devportal.encryption']);
  });

  it("reports a bad value in another service's overlay: the file gets one verdict", () => {
    const text = toml({}, '[devportal.server]\nport = 70000');

    expect(issueAt(issuesOf(text, 'key-manager'), 'devportal.server.port').problem).toBe('is 70000');
    expect(issueAt(issuesOf(text, 'cli'), 'devportal.server.port').problem).toBe('is 70000');
  });

  it('rejects an unknown overlay section with a suggestion', () => {
    const issue = issueAt(issuesOf(toml({}, '[devportal.sever]\nport = 9444')), 'devportal.sever');

    expect(issue.problem).toContain('did you mean "server"?');
  });

  it('has no overlay for the CLI', () => {
    const issue = issueAt(issuesOf(toml({}, '[cli.server]\nport = 1')), 'cli');

    expect(issue.problem).toBe('is not a known key');
  });
});
