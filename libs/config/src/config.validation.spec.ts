import { ENV, issueAt, issuesOf, load, loadError, removeTempFolders, toml } from './test/config.fixture.js';

afterEach(removeTempFolders);

const KEYSTORE = 'file_name = "primary.p12"\npassword = "$env{KEYSTORE_PASSWORD}"\nalias = "wso2carbon"';

describe('loadConfig: every problem at once', () => {
  it('throws one CONFIG_INVALID listing all issues of the file, for the loading service', () => {
    const text = toml(
      { database: 'schema = "Key-Manager"', super_admin: 'username = "admin"' },
      '[server]\nport = 0\n[log]\nlevel = "verbose"\n[apim.oauth_config]\nenable_token_encrytion = true',
    );

    const error = loadError(text, 'key-manager');

    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues.map((i) => i.key).sort()).toEqual(
      [
        'apim.oauth_config.enable_token_encrytion',
        'database.schema',
        'database.url',
        'log.level',
        'server.port',
        'super_admin.password',
      ].sort(),
    );
    expect(error.format().split('\n')).toHaveLength(1 + 6);
    expect(error.format()).toMatch(/^Configuration is invalid for key-manager \(6 problems\): \/.*deployment\.toml$/m);
  });
});

describe('loadConfig: unknown keys', () => {
  it('suggests the key meant by a typo', () => {
    const issue = issueAt(
      issuesOf(toml({}, '[apim.oauth_config]\nenable_token_encrytion = true')),
      'apim.oauth_config.enable_token_encrytion',
    );

    expect(issue.problem).toBe('is not a known key (did you mean "enable_token_encryption"?)');
    expect(issue.expected).toBe('one of the keys of [apim.oauth_config]: enable_token_encryption, enable_token_hashing');
  });

  it('points to the table a known key belongs in', () => {
    const issue = issueAt(issuesOf(toml({}, '[oauth]\nenable_token_encryption = true')), 'oauth.enable_token_encryption');

    expect(issue.problem).toContain('did you mean "enable_token_encryption" in [apim.oauth_config]?');
  });

  it('explains the unquoted WSO2 transformation key, which TOML reads as nested tables', () => {
    const issues = issuesOf(toml({}, '[system.parameter]\norg.wso2.CipherTransformation = "AES/GCM/NoPadding"'));

    expect(issueAt(issues, 'system.parameter.org').problem).toContain('write "org.wso2.CipherTransformation" in quotes');
  });

  it('tells a migrating WSO2 user what replaces a WSO2 key it does not read', () => {
    const issue = issueAt(issuesOf(toml({}, '[server]\nhostname = "km.example.com"')), 'server.hostname');

    expect(issue.problem).toContain('WSO2 key this server does not read: use public_url');
  });

  it('rejects unknown top-level sections', () => {
    const issue = issueAt(issuesOf(toml({}, '[databse]\npool_size = 3')), 'databse');

    expect(issue.problem).toBe('is not a known key (did you mean "database"?)');
  });

  it('rejects a value where a table is expected, and [keystore.old] written with single brackets', () => {
    const issues = issuesOf(toml({}, '[oauth]\ntoken_expiry = 3600\n[keystore.old]\nfile_name = "old.p12"'));

    expect(issueAt(issues, 'oauth.token_expiry')).toMatchObject({ problem: 'is an integer', expected: 'a table: [oauth.token_expiry]' });
    expect(issueAt(issues, 'keystore.old')).toMatchObject({ problem: 'is a table', expected: 'one or more [[keystore.old]] tables (double brackets)' });
  });
});

describe('loadConfig: value rules', () => {
  it.each([
    ['port 0', '[server]\nport = 0', 'server.port', 'is 0'],
    ['port 65536', '[server]\nport = 65536', 'server.port', 'is 65536'],
    ['a decimal port', '[server]\nport = 94.5', 'server.port', 'is 94.5'],
    ['a host with a space', '[server]\nhost = "my host"', 'server.host', 'is "my host"'],
    ['a public URL without scheme', '[server]\npublic_url = "km.example.com"', 'server.public_url', 'is "km.example.com"'],
    ['a management host with a space', '[management]\nhost = "my host"', 'management.host', 'is "my host"'],
    ['management port 0', '[key_manager.management]\nport = 0', 'key_manager.management.port', 'is 0'],
    ['the server port as management port', '[key_manager.server]\nport = 9000\n[management]\nport = 9000', 'management.port', 'is 9000, the server port too'],
    [
      'a server port whose default management port is above 65535',
      '[server]\nport = 65500',
      'management.port',
      'is not set, and the default (the server port 65500 + 100) is above 65535',
    ],
    ['a tiny body limit', '[server]\nbody_limit = 10', 'server.body_limit', 'is 10'],
    ['a headers timeout under a second', '[server]\nheaders_timeout = 10', 'server.headers_timeout', 'is 10'],
    ['a headers timeout longer than the request timeout', '[server]\nheaders_timeout = 40000', 'server.headers_timeout', 'is 40000, longer than server.request_timeout (30000)'],
    ['no connection allowed', '[devportal.server]\nmax_connections = 0', 'devportal.server.max_connections', 'is 0'],
    ['a negative shutdown timeout', '[server]\nshutdown_timeout = -1', 'server.shutdown_timeout', 'is -1'],
    ['a hedge delay as long as the request timeout', '[transport.nats]\nrequest_timeout = 2000\nhedge_delay = 2000', 'transport.nats.hedge_delay', 'is 2000, not below transport.nats.request_timeout (2000)'],
    ['an upper-case schema', '[devportal.database]\nschema = "DevPortal"', 'devportal.database.schema', 'is "DevPortal"'],
    ['a schema starting with a digit', '[devportal.database]\nschema = "1portal"', 'devportal.database.schema', 'is "1portal"'],
    ['a 64-character schema', `[devportal.database]\nschema = "${'s'.repeat(64)}"`, 'devportal.database.schema', `is "${'s'.repeat(64)}"`],
    ['a zero pool size', '[key_manager.database]\npool_size = 0', 'key_manager.database.pool_size', 'is 0'],
    ['an empty list of NATS servers', '[transport.nats]\nservers = []', 'transport.nats.servers', 'is an empty list'],
    ['an http:// NATS server', '[transport.nats]\nservers = ["nats://a:4222", "http://b:4222"]', 'transport.nats.servers', 'has an entry whose scheme is "http:" (item 2)'],
    ['a NATS server that is not a URL', '[transport.nats]\nservers = ["nats-1"]', 'transport.nats.servers', 'has an entry that is not a URL (item 1)'],
    ['a queue with spaces', '[transport.nats]\nqueue = "key manager"', 'transport.nats.queue', 'is "key manager"'],
    ['a subject prefix with a wildcard', '[transport.nats]\nsubject_prefix = "prod.>"', 'transport.nats.subject_prefix', 'is "prod.>"'],
    ['a subject prefix ending in a dot', '[transport.nats]\nsubject_prefix = "prod."', 'transport.nats.subject_prefix', 'is "prod."'],
    ['a negative lifetime', '[oauth.token_expiry]\nrefresh_token = -1', 'oauth.token_expiry.refresh_token', 'is -1'],
    ['a zero lifetime', '[oauth.token_expiry]\nauthorization_code = 0', 'oauth.token_expiry.authorization_code', 'is 0'],
    ['a lifetime as text', '[oauth.token_expiry]\nuser_access_token = "1h"', 'oauth.token_expiry.user_access_token', 'is "1h"'],
    ['a zero throttle window', '[oauth.auth_throttle]\nwindow = 0', 'oauth.auth_throttle.window', 'is 0'],
    ['a negative sealed-secret reserve', '[encryption]\nsealed_secret_reserve = -1', 'encryption.sealed_secret_reserve', 'is -1'],
    ['a huge sealed-secret reserve', '[encryption]\nsealed_secret_reserve = 100000', 'encryption.sealed_secret_reserve', 'is 100000'],
    ['a non-boolean switch', '[apim.oauth_config]\nenable_token_encryption = "yes"', 'apim.oauth_config.enable_token_encryption', 'is "yes"'],
    ['an unknown log level', '[log]\nlevel = "verbose"', 'log.level', 'is "verbose"'],
    ['an issuer with another scheme', '[oauth]\nissuer = "ftp://km.example.com"', 'oauth.issuer', 'is "ftp://km.example.com"'],
  ])('rejects %s', (_, extra, key, problem) => {
    expect(issueAt(issuesOf(toml({}, extra)), key).problem).toBe(problem);
  });

  it('takes a subject prefix of NATS tokens as given, and an empty one as none', () => {
    expect(load(toml({}, '[transport.nats]\nsubject_prefix = "acme.prod-2_b"')).nats.subjectPrefix).toBe('acme.prod-2_b');
    expect(load(toml({}, '[transport.nats]\nsubject_prefix = ""')).nats.subjectPrefix).toBe('');
  });

  it('accepts log levels and keystore types in any case, and stores them canonically', () => {
    const config = load(
      toml({ 'keystore.primary': `${KEYSTORE}\ntype = "pkcs12"` }, '[log]\nlevel = "DEBUG"\n[transport.nats]\nservers = ["tls://nats:4222"]'),
    );

    expect(config.log.level).toBe('debug');
    expect(config.keystore.primary.type).toBe('PKCS12');
    expect(config.nats.servers).toEqual(['tls://nats:4222']);
  });

  it('rejects a database URL of another kind, and a missing one', () => {
    expect(issueAt(issuesOf(toml({ database: 'url = "mysql://db/apim"' })), 'database.url').problem).toBe('is set but its scheme is "mysql:"');
    expect(issueAt(issuesOf(toml({ database: 'pool_size = 3' })), 'database.url')).toEqual({
      key: 'database.url',
      problem: 'is missing',
      expected: 'a postgres:// or postgresql:// URL, e.g. "postgres://apim:$env{DB_PASSWORD}@postgres:5432/apim"',
    });
  });

  it('accepts a database URL given only in the overlay of the loading service', () => {
    const text = toml({ database: null }, '[devportal.database]\nurl = "postgresql://portal@db/apim"');

    expect(load(text, 'devportal').database.url).toBe('postgresql://portal@db/apim');
    expect(issueAt(issuesOf(text, 'key-manager'), 'database.url').problem).toBe('is missing');
  });
});

describe('loadConfig: keystores', () => {
  it('requires the primary keystore for every service', () => {
    for (const service of ['key-manager', 'devportal', 'cli'] as const) {
      expect(issueAt(issuesOf(toml({ 'keystore.primary': null }), service), 'keystore.primary').problem).toBe('is missing');
    }
  });

  it('reports a primary keystore written as a value once, not also as missing', () => {
    const issues = issuesOf(toml({ 'keystore.primary': null }, '[keystore]\nprimary = "primary.p12"'));

    expect(issues).toEqual([{ key: 'keystore.primary', problem: 'is a string', expected: 'a table: [keystore.primary]' }]);
  });

  it('requires file_name, password and alias', () => {
    const issues = issuesOf(toml({ 'keystore.primary': 'type = "PKCS12"' }));

    expect(issues.map((i) => [i.key, i.problem])).toEqual([
      ['keystore.primary.file_name', 'is missing'],
      ['keystore.primary.password', 'is missing'],
      ['keystore.primary.alias', 'is missing'],
    ]);
  });

  it('requires the same fields of an old keystore, and names which one', () => {
    const extra = '[[keystore.old]]\nfile_name = "a.p12"\npassword = "pw-a"\nalias = "a"\n[[keystore.old]]\nfile_name = "b.p12"\npassword = "pw-b"';

    expect(issuesOf(toml({}, extra)).map((i) => [i.key, i.problem])).toEqual([['keystore.old[1].alias', 'is missing']]);
  });

  it('rejects a keystore type other than PKCS12 or JKS', () => {
    expect(issueAt(issuesOf(toml({ 'keystore.primary': `${KEYSTORE}\ntype = "PEM"` })), 'keystore.primary.type').problem).toBe('is "PEM"');
  });

  it('rejects an old keystore that is the primary one again', () => {
    const extra = '[[keystore.old]]\nfile_name = "./primary.p12"\npassword = "other"\nalias = "wso2carbon"';

    expect(issueAt(issuesOf(toml({}, extra)), 'keystore.old[0]').problem).toBe('is the same keystore file and alias as keystore.primary');
  });
});

describe("loadConfig: token hashing (WSO2's third way of storing secrets)", () => {
  it("reads API Manager's enable_token_hashing, or Identity Server's hash_tokens_and_secrets, as the same switch", () => {
    expect(load(toml({}, '[apim.oauth_config]\nenable_token_hashing = true')).encryption).toMatchObject({ enabled: false, hashing: true });
    expect(load(toml({}, '[oauth]\nhash_tokens_and_secrets = true\nhash_token_algorithm = "SHA-256"')).encryption.hashing).toBe(true);
    expect(load(toml({}, '[apim.oauth_config]\nenable_token_hashing = true\n[oauth]\nhash_tokens_and_secrets = true')).encryption.hashing).toBe(true);
    expect(load(toml({})).encryption.hashing).toBe(false);
  });

  it('refuses the two names disagreeing, and hashing together with encryption', () => {
    const disagree = issueAt(issuesOf(toml({}, '[apim.oauth_config]\nenable_token_hashing = true\n[oauth]\nhash_tokens_and_secrets = false')), 'oauth.hash_tokens_and_secrets');
    expect(disagree.problem).toBe('is false, but [apim.oauth_config] enable_token_hashing is true');
    const both = issueAt(issuesOf(toml({}, '[apim.oauth_config]\nenable_token_encryption = true\nenable_token_hashing = true')), 'apim.oauth_config.enable_token_hashing');
    expect(both).toEqual({
      key: 'apim.oauth_config.enable_token_hashing',
      problem: 'is true, and so is [apim.oauth_config] enable_token_encryption',
      expected: 'one of them: a secret is stored either encrypted or as its hash only',
    });
  });

  it('accepts SHA-256 as the hash algorithm, in any case, and nothing else', () => {
    expect(load(toml({}, '[oauth]\nhash_token_algorithm = "sha-256"')).encryption.hashing).toBe(false);
    expect(issueAt(issuesOf(toml({}, '[oauth]\nhash_token_algorithm = "SHA-512"')), 'oauth.hash_token_algorithm').problem).toBe('is "SHA-512"');
  });

  it("points WSO2's persistence processor setting at the switches that replace it", () => {
    const issue = issueAt(
      issuesOf(toml({}, '[oauth.extensions]\ntoken_persistence_processor = "org.wso2.carbon.identity.oauth.tokenprocessor.HashingPersistenceProcessor"')),
      'oauth.extensions',
    );
    expect(issue.problem).toContain('enable_token_hashing');
  });
});

describe('loadConfig: transformation and symmetric keys', () => {
  const withTransformation = (name: string, extra = '') =>
    toml({}, `[apim.oauth_config]\nenable_token_encryption = true\n[system.parameter]\n"org.wso2.CipherTransformation" = "${name}"\n${extra}`);

  it('stores the canonical name of a transformation written in another case', () => {
    expect(load(withTransformation('rsa/ecb/oaepwithsha-256andmgf1padding')).encryption.transformation).toBe(
      'RSA/ECB/OAEPWithSHA-256AndMGF1Padding',
    );
  });

  it.each(['RSA/ECB/PKCS1Padding', 'RSA'])('rejects the legacy %s, which is read-only', (name) => {
    const issue = issueAt(issuesOf(withTransformation(name)), 'system.parameter."org.wso2.CipherTransformation"');

    expect(issue.problem).toBe(
      `is "${name}": ${name} is a legacy transformation, read-only: values stored with it can still be read, but new values cannot be written with it`,
    );
  });

  it('rejects an unknown transformation', () => {
    const issue = issueAt(issuesOf(withTransformation('DES/CBC/PKCS5Padding')), 'system.parameter."org.wso2.CipherTransformation"');

    expect(issue.problem).toBe('is "DES/CBC/PKCS5Padding": not a transformation this server supports');
    expect(issue.expected).toContain('"AES/GCM/NoPadding"');
  });

  it('requires [encryption] key when encryption is on with AES/GCM/NoPadding', () => {
    const issue = issueAt(issuesOf(withTransformation('AES/GCM/NoPadding')), 'encryption.key');

    expect(issue.problem).toBe('is missing (required because token encryption is on with AES/GCM/NoPadding)');
  });

  it('does not require a key for AES while encryption is off, nor for RSA', () => {
    const off = toml({}, '[system.parameter]\n"org.wso2.CipherTransformation" = "AES/GCM/NoPadding"');

    expect(load(off).encryption).toEqual({ enabled: false, hashing: false, transformation: 'AES/GCM/NoPadding', sealedSecretReserve: 256 });
    expect(load(withTransformation('RSA/ECB/OAEPwithSHA1andMGF1Padding')).encryption.enabled).toBe(true);
  });

  it.each([
    ['16 characters', 'k'.repeat(16)],
    ['24 characters', 'k'.repeat(24)],
    ['32 characters', 'k'.repeat(32)],
    ['48 hex digits', 'ab'.repeat(24)],
    ['64 hex digits', 'AB'.repeat(32)],
    ['16 characters of 2 UTF-8 bytes each', 'é'.repeat(16)],
  ])('accepts a key of %s', (_, key) => {
    const config = load(withTransformation('AES/GCM/NoPadding', '[encryption]\nkey = "$env{SYMMETRIC_KEY}"'), 'key-manager', {
      ...ENV,
      SYMMETRIC_KEY: key,
    });

    expect(config.encryption.key).toBe(key);
  });

  it.each([
    ['20 characters', 'k'.repeat(20), 'is set but is 20 characters (20 bytes as UTF-8), not 16, 24 or 32 bytes'],
    ['48 characters, not hex', 'z'.repeat(48), 'is set but is 48 characters (48 bytes as UTF-8), not 16, 24 or 32 bytes; a 48-character key is read as hex only when it is all hex digits'],
    ['10 characters of 2 bytes each', 'é'.repeat(10), 'is set but is 10 characters (20 bytes as UTF-8), not 16, 24 or 32 bytes'],
  ])('rejects a key of %s, by its length only', (_, key, problem) => {
    const text = toml({}, '[encryption]\nkey = "$env{SYMMETRIC_KEY}"\nold_key = "$env{SYMMETRIC_KEY}"');
    const issues = issuesOf(text, 'key-manager', { ...ENV, SYMMETRIC_KEY: key });

    expect(issueAt(issues, 'encryption.key').problem).toBe(`${problem} (from $env{SYMMETRIC_KEY})`);
    expect(issueAt(issues, 'encryption.old_key').problem).toBe(`${problem} (from $env{SYMMETRIC_KEY})`);
  });
});

describe('loadConfig: super admin', () => {
  it('requires [super_admin] for the key manager only', () => {
    const text = toml({ super_admin: null });

    expect(issueAt(issuesOf(text, 'key-manager'), 'super_admin').problem).toBe('is missing');
    expect(() => load(text, 'devportal')).not.toThrow();
  });

  it('requires a username and password for the key manager', () => {
    const issues = issuesOf(toml({ super_admin: 'username = "admin"' }));

    expect(issues).toEqual([
      { key: 'super_admin.password', problem: 'is missing', expected: 'a password of at least 8 characters, e.g. "$env{ADMIN_PASSWORD}"' },
    ]);
  });

  it('rejects a password shorter than 8 characters', () => {
    const issues = issuesOf(toml({}), 'key-manager', { ...ENV, ADMIN_PASSWORD: 'seven77' });

    expect(issueAt(issues, 'super_admin.password').problem).toBe('is set but is only 7 characters (from $env{ADMIN_PASSWORD})');
  });
});
