import { ENV, issueAt, issuesOf, load, removeTempFolders, SECRETS, toml } from './test/config.fixture.js';

afterEach(removeTempFolders);

describe('loadConfig: $env{} references', () => {
  it('replaces a reference anywhere inside a string, several in one value', () => {
    const text = toml({ database: 'url = "postgres://$env{DB_USER}:$env{DB_PASSWORD}@$env{DB_HOST}:5432/apim"' });

    const config = load(text, 'key-manager', { ...ENV, DB_USER: 'apim', DB_HOST: 'db.internal' });

    expect(config.database.url).toBe(`postgres://apim:${SECRETS.DB_PASSWORD}@db.internal:5432/apim`);
  });

  it('accepts the string forms of numbers and booleans, since variables are strings', () => {
    const text = toml(
      {},
      '[server]\nport = "$env{PORT}"\n[apim.oauth_config]\nenable_token_encryption = "$env{ENCRYPT}"\n[oauth.token_cleanup]\nenable = "FALSE"',
    );

    const config = load(text, 'key-manager', { ...ENV, PORT: '8443', ENCRYPT: 'true' });

    expect(config.server.port).toBe(8443);
    expect(config.encryption.enabled).toBe(true);
    expect(config.oauth.cleanup.enabled).toBe(false);
  });

  it('rejects a string that is not a number where a number is expected, naming the variable', () => {
    const issue = issueAt(issuesOf(toml({}, '[server]\nport = "$env{PORT}"'), 'key-manager', { ...ENV, PORT: '94x3' }), 'server.port');

    expect(issue).toEqual({ key: 'server.port', problem: 'is "94x3" (from $env{PORT})', expected: 'an integer from 1 to 65535' });
  });

  it('splits a comma-separated variable into the list of NATS servers', () => {
    const text = toml({}, '[transport.nats]\nservers = "$env{NATS_URL}"');

    const config = load(text, 'devportal', { ...ENV, NATS_URL: 'nats://a:4222, nats://b:4222' });

    expect(config.nats.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('reports an unset variable with the key and the variable name', () => {
    const env = { ...ENV };
    delete env['KEYSTORE_PASSWORD'];

    const issue = issueAt(issuesOf(toml(), 'key-manager', env), 'keystore.primary.password');

    expect(issue.problem).toBe('uses $env{KEYSTORE_PASSWORD}, which is not set');
    expect(issue.expected).toContain('KEYSTORE_PASSWORD');
  });

  it('reports an unset variable even in a key the loading service does not need', () => {
    const env = { ...ENV };
    delete env['ADMIN_PASSWORD'];

    expect(issuesOf(toml(), 'devportal', env).map((i) => i.key)).toEqual(['super_admin.password']);
  });

  it('rejects a required key whose variable is set but empty', () => {
    const issue = issueAt(issuesOf(toml(), 'key-manager', { ...ENV, KEYSTORE_PASSWORD: '' }), 'keystore.primary.password');

    expect(issue.problem).toBe('is empty (from $env{KEYSTORE_PASSWORD})');
  });

  it('rejects a required key built with an empty variable, even inside a longer string', () => {
    const issue = issueAt(issuesOf(toml(), 'key-manager', { ...ENV, DB_PASSWORD: '' }), 'database.url');

    expect(issue.problem).toBe('uses $env{DB_PASSWORD}, which is set but empty');
  });

  it('treats an optional key whose variable is empty as not set', () => {
    const text = toml({}, '[encryption]\nold_key = "$env{OLD_SYMMETRIC_KEY}"\n[oauth]\nissuer = "$env{ISSUER}"');

    const config = load(text, 'key-manager', { ...ENV, OLD_SYMMETRIC_KEY: '', ISSUER: '' });

    expect(config.encryption.oldKey).toBeUndefined();
    expect(config.oauth.issuer).toBe('http://localhost:9443');
  });

  it('rejects a reference it cannot resolve, without quoting it', () => {
    const issues = issuesOf(toml({}, '[transport.nats]\nuser = "$env{not a name}"\nqueue = "$env{QUEUE"'));

    expect(issueAt(issues, 'transport.nats.user').problem).toBe('contains a $env{} reference whose variable name is not valid');
    expect(issueAt(issues, 'transport.nats.queue').problem).toBe('contains a $env{ reference without its closing }');
    expect(JSON.stringify(issues)).not.toContain('not a name');
  });

  it("rejects WSO2's $sys{} references, which have nothing to read here", () => {
    const issue = issueAt(issuesOf(toml({}, '[oauth]\nissuer = "https://$sys{carbon.host}/oauth2/token"')), 'oauth.issuer');

    expect(issue.problem).toMatch(/^uses \$sys\{\}, which is not supported/);
  });
});
