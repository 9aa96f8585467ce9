import { isAbsolute, join } from 'node:path';
import { ENV, load, removeTempFolders, SECRETS, tempFolder, toml } from './test/config.fixture.js';
import { loadConfig } from './index.js';
import { writeFileSync } from 'node:fs';

afterEach(removeTempFolders);

// The example of the design brief, every key set.
const FULL = `
[server]
host = "0.0.0.0"
port = 9443
public_url = "https://km.example.com"
body_limit = 65536
headers_timeout = 5000
request_timeout = 20000
idle_timeout = 30000
keep_alive_timeout = 65000
max_connections = 500
shutdown_timeout = 8000

[management]
host = "10.0.0.5"
port = 9000

[database]
url = "postgres://user:$env{DB_PASSWORD}@db:5432/apim"
schema = "key_manager"
pool_size = 10

[transport.nats]
servers = ["nats://nats:4222"]
request_timeout = 5000
hedge_delay = 300
queue = "key-manager"
subject_prefix = "prod"
user = "apim"
password = "$env{NATS_PASSWORD}"

[keystore.primary]
file_name = "wso2carbon.p12"
type = "PKCS12"
password = "$env{KEYSTORE_PASSWORD}"
alias = "wso2carbon"
key_password = "$env{KEYSTORE_KEY_PASSWORD}"

[[keystore.old]]
file_name = "previous.p12"
type = "PKCS12"
password = "old-keystore-pass"
alias = "previous"

[apim.oauth_config]
enable_token_encryption = true

[system.parameter]
"org.wso2.CipherTransformation" = "RSA/ECB/OAEPwithSHA1andMGF1Padding"

[encryption]
key = "$env{SYMMETRIC_KEY}"
old_key = "$env{OLD_SYMMETRIC_KEY}"
sealed_secret_reserve = 1024

[super_admin]
username = "admin"
password = "$env{ADMIN_PASSWORD}"

[oauth]
issuer = "https://km.example.com"
[oauth.token_expiry]
application_access_token = 1800
user_access_token = 900
refresh_token = 43200
authorization_code = 120
[oauth.token_cleanup]
enable = false
interval = 600
retention = 7200
batch_size = 500
[oauth.auth_throttle]
enable = false
window = 600
account_address_max_failures = 3
account_max_failures = 30
address_max_accounts = 12
lock = 10
max_lock = 600
[oauth.multiple_client_secrets]
enable = false
secret_count = 3

[devportal]
token_cache_ttl = 10
key_cache_ttl = 20
key_manager_wait = 30

[log]
level = "info"

[observability.tracing]
enabled = true
endpoint = "http://otel-collector:4318/v1/traces"
service_name = "km-eu"
sample_ratio = 0.5

[key_manager.server]
port = 9443
[devportal.server]
port = 9444
[devportal.database]
schema = "devportal"
`;

const FULL_ENV = {
  ...ENV,
  NATS_PASSWORD: 'natsSecret-2hd9',
  KEYSTORE_KEY_PASSWORD: 'keySecret-6tw1',
  SYMMETRIC_KEY: '0123456789abcdef0123456789abcdef', // 32 characters: AES-256 by WSO2's rule
  OLD_SYMMETRIC_KEY: '0123456789abcdef', // 16 characters: AES-128
};

describe('loadConfig: a complete file', () => {
  it('maps every key of the sample into the typed configuration of the key manager', () => {
    const folder = tempFolder();
    const file = join(folder, 'deployment.toml');
    writeFileSync(file, FULL);

    const config = loadConfig({ service: 'key-manager', file, env: FULL_ENV });

    expect(config).toEqual({
      file,
      service: 'key-manager',
      server: {
        host: '0.0.0.0',
        port: 9443,
        publicUrl: 'https://km.example.com',
        bodyLimitBytes: 65536,
        trustProxy: false,
        headersTimeoutMs: 5000,
        requestTimeoutMs: 20000,
        idleTimeoutMs: 30000,
        keepAliveTimeoutMs: 65000,
        maxConnections: 500,
        shutdownTimeoutMs: 8000,
      },
      management: { host: '10.0.0.5', port: 9000 },
      database: { url: `postgres://user:${SECRETS.DB_PASSWORD}@db:5432/apim`, schema: 'key_manager', poolSize: 10 },
      nats: {
        servers: ['nats://nats:4222'],
        requestTimeoutMs: 5000,
        hedgeDelayMs: 300,
        queue: 'key-manager',
        subjectPrefix: 'prod',
        user: 'apim',
        password: 'natsSecret-2hd9',
      },
      keystore: {
        primary: {
          file: join(folder, 'wso2carbon.p12'),
          type: 'PKCS12',
          password: SECRETS.KEYSTORE_PASSWORD,
          alias: 'wso2carbon',
          keyPassword: 'keySecret-6tw1',
        },
        old: [
          {
            file: join(folder, 'previous.p12'),
            type: 'PKCS12',
            password: 'old-keystore-pass',
            alias: 'previous',
            keyPassword: 'old-keystore-pass',
          },
        ],
      },
      encryption: {
        enabled: true,
        hashing: false,
        transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding',
        key: FULL_ENV.SYMMETRIC_KEY,
        oldKey: FULL_ENV.OLD_SYMMETRIC_KEY,
        sealedSecretReserve: 1024,
      },
      superAdmin: { username: 'admin', password: SECRETS.ADMIN_PASSWORD },
      oauth: {
        issuer: 'https://km.example.com',
        applicationAccessTokenLifetimeSec: 1800,
        userAccessTokenLifetimeSec: 900,
        refreshTokenLifetimeSec: 43200,
        authorizationCodeLifetimeSec: 120,
        cleanup: { enabled: false, intervalSec: 600, retentionSec: 7200, batchSize: 500 },
        throttle: { enabled: false, windowSec: 600, accountAddressMaxFailures: 3, accountMaxFailures: 30, addressMaxAccounts: 12, lockSec: 10, maxLockSec: 600 },
        multipleClientSecrets: { enabled: false, secretCount: 3 },
        idTokenLifetimeSec: 3600,
        deviceFlow: { expirySec: 600, intervalSec: 5 },
        trustedIssuers: [],
        wso2JwtIssuers: [],
      },
      cors: { allowedOrigins: [], allowAnyOrigin: false, maxAgeSec: 3600 },
      devportal: { tokenCacheTtlSec: 10, keyCacheTtlSec: 20, keyManagerWaitSec: 30 },
      log: { level: 'info' },
      observability: { tracing: { enabled: true, endpoint: 'http://otel-collector:4318/v1/traces', serviceName: 'km-eu', sampleRatio: 0.5 } },
    });
  });

  it('gives the devportal its overlay and shares everything else', () => {
    const km = load(FULL, 'key-manager', FULL_ENV);
    const portal = load(FULL, 'devportal', FULL_ENV);

    expect(portal.server.port).toBe(9444);
    expect(portal.database.schema).toBe('devportal');
    expect({ ...portal.keystore.primary, file: undefined }).toEqual({ ...km.keystore.primary, file: undefined });
    expect(portal.encryption).toEqual(km.encryption);
    expect(portal.oauth).toEqual(km.oauth);
    expect(portal.superAdmin).toEqual(km.superAdmin);
  });
});

describe('loadConfig: defaults', () => {
  it('fills in the key manager defaults around the required keys', () => {
    const config = load(toml(), 'key-manager');

    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 9443,
      publicUrl: 'http://localhost:9443',
      bodyLimitBytes: 65536,
      trustProxy: false,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 1024,
      shutdownTimeoutMs: 10_000,
    });
    expect(config.database).toEqual({ url: `postgres://apim:${SECRETS.DB_PASSWORD}@postgres:5432/apim`, schema: 'key_manager', poolSize: 10 });
    expect(config.nats).toEqual({ servers: ['nats://127.0.0.1:4222'], requestTimeoutMs: 5000, queue: 'key-manager', subjectPrefix: '' });
    expect(config.encryption).toEqual({ enabled: false, hashing: false, transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding', sealedSecretReserve: 256 });
    expect(config.oauth).toEqual({
      issuer: 'http://localhost:9443',
      applicationAccessTokenLifetimeSec: 3600,
      userAccessTokenLifetimeSec: 3600,
      refreshTokenLifetimeSec: 86400,
      authorizationCodeLifetimeSec: 300,
      cleanup: { enabled: true, intervalSec: 300, retentionSec: 3600, batchSize: 1000 },
      throttle: { enabled: true, windowSec: 900, accountAddressMaxFailures: 5, accountMaxFailures: 20, addressMaxAccounts: 10, lockSec: 30, maxLockSec: 900 },
      multipleClientSecrets: { enabled: true, secretCount: 10 },
      idTokenLifetimeSec: 3600,
      deviceFlow: { expirySec: 600, intervalSec: 5 },
      trustedIssuers: [],
      wso2JwtIssuers: [],
    });
    expect(config.cors).toEqual({ allowedOrigins: [], allowAnyOrigin: false, maxAgeSec: 3600 });
    expect(config.devportal).toEqual({ tokenCacheTtlSec: 5, keyCacheTtlSec: 5, keyManagerWaitSec: 60 });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.keystore.old).toEqual([]);
  });

  it.each([
    ['key-manager', 9443, 'key_manager', 'http://localhost:9443'],
    ['devportal', 9444, 'devportal', 'http://localhost:9444'],
    ['cli', 0, 'key_manager', 'http://localhost:0'],
  ] as const)('gives %s port %d, schema %s and public URL %s', (service, port, schema, publicUrl) => {
    const config = load(toml(), service);

    expect(config.service).toBe(service);
    expect(config.server.port).toBe(port);
    expect(config.server.publicUrl).toBe(publicUrl);
    expect(config.database.schema).toBe(schema);
  });

  it('serves management on loopback, at the public port + 100 unless set, per service; the CLI does not listen', () => {
    expect(load(toml(), 'key-manager').management).toEqual({ host: '127.0.0.1', port: 9543 });
    expect(load(toml(), 'devportal').management).toEqual({ host: '127.0.0.1', port: 9544 });
    expect(load(toml(), 'cli').management.port).toBe(0);
    const text = toml({}, '[management]\nhost = "0.0.0.0"\n[key_manager.server]\nport = 8443\n[devportal.management]\nport = 9100');
    expect(load(text, 'key-manager').management).toEqual({ host: '0.0.0.0', port: 8543 });
    expect(load(text, 'devportal').management).toEqual({ host: '0.0.0.0', port: 9100 });
  });

  it("makes the key manager's public URL the issuer for every service, overlay included", () => {
    const text = toml({}, '[key_manager.server]\nport = 8443\npublic_url = "https://km.example.com/"');

    expect(load(text, 'devportal').oauth.issuer).toBe('https://km.example.com');
    expect(load(text, 'cli').oauth.issuer).toBe('https://km.example.com');
    expect(load(text, 'key-manager').server.publicUrl).toBe('https://km.example.com');
  });

  it("derives the default issuer from the key manager's port when no public URL is set", () => {
    const text = toml({}, '[key_manager.server]\nport = 8443');

    expect(load(text, 'devportal').oauth.issuer).toBe('http://localhost:8443');
  });

  it('leaves the super admin empty for the services that do not require it', () => {
    const text = toml({ super_admin: null });

    expect(load(text, 'devportal').superAdmin).toEqual({ username: '', password: '' });
    expect(load(text, 'cli').superAdmin).toEqual({ username: '', password: '' });
  });

  it('returns a frozen configuration', () => {
    const config = load(toml());

    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(config.keystore.primary)).toBe(true);
  });
});

describe('loadConfig: keystore paths', () => {
  it("resolves a relative file_name against the TOML file's folder, not the working directory", () => {
    const folder = tempFolder();
    const file = join(folder, 'deployment.toml');
    writeFileSync(file, toml({ 'keystore.primary': 'file_name = "keys/primary.p12"\npassword = "$env{KEYSTORE_PASSWORD}"\nalias = "a"' }));

    const config = loadConfig({ service: 'key-manager', file, env: ENV });

    expect(config.keystore.primary.file).toBe(join(folder, 'keys', 'primary.p12'));
    expect(isAbsolute(config.keystore.primary.file)).toBe(true);
  });

  it('keeps an absolute file_name as it is', () => {
    const config = load(toml({ 'keystore.primary': 'file_name = "/keystore/primary.p12"\npassword = "pw-123456"\nalias = "a"' }));

    expect(config.keystore.primary.file).toBe('/keystore/primary.p12');
  });

  it('defaults key_password to password, and the type to JKS only for a .jks file', () => {
    const config = load(
      toml(
        { 'keystore.primary': 'file_name = "wso2carbon.jks"\npassword = "store-pass"\nalias = "wso2carbon"' },
        '[[keystore.old]]\nfile_name = "old.p12"\npassword = "old-pass"\nalias = "old"\ntype = "jks"',
      ),
    );

    expect(config.keystore.primary).toMatchObject({ type: 'JKS', keyPassword: 'store-pass' });
    expect(config.keystore.old[0]).toMatchObject({ type: 'JKS', keyPassword: 'old-pass' });
    expect(load(toml()).keystore.primary.type).toBe('PKCS12');
  });
});
