/** `[database] ssl_mode`'s values (libpq's `sslmode` names, without `allow` and `prefer`, which fall back to plain text). */
export const DATABASE_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

/** The programs that read `deployment.toml`. Each gets its own view of the one shared file. */
export type ServiceName = 'key-manager' | 'devportal' | 'cli';

/** Where {@link loadConfig} finds the file and the environment that `$env{NAME}` references read. */
export interface LoadConfigOptions {
  service: ServiceName;
  /** Default `process.env`. `DEPLOYMENT_CONFIG` names the file when `file` is not given. */
  env?: NodeJS.ProcessEnv;
  /** Explicit path; wins over `DEPLOYMENT_CONFIG`. Relative paths resolve against the working directory. */
  file?: string;
  /**
   * Contents to use for `$file{}` references instead of reading those files, by absolute path: values a
   * program has decided but not yet written (the launcher writes its per-start values only once the start
   * succeeded). Kept for {@link reloadConfig}, like `env`.
   */
  files?: ReadonlyMap<string, string>;
}

/** One problem in the configuration. Never contains a secret value. */
export interface ConfigIssue {
  /**
   * Dotted TOML key, e.g. `keystore.primary.password`, `keystore.old[0].alias`,
   * `system.parameter."org.wso2.CipherTransformation"`; the environment variable name when the problem is
   * in the environment (`DEPLOYMENT_CONFIG`); empty when the problem has no key (a TOML syntax error).
   */
  key: string;
  problem: string;
  expected: string;
}

export interface KeystoreSettings {
  /** Absolute path: a relative `file_name` is resolved against the folder of the TOML file. */
  file: string;
  type: 'PKCS12' | 'JKS';
  password: string;
  alias: string;
  /** Password of the private key entry; defaults to `password`. */
  keyPassword: string;
}

/** `[[oauth.trusted_issuer]]`: whose JWTs the jwt-bearer and token-exchange grants accept. */
export interface TrustedIssuerSettings {
  name: string;
  /** The exact `iss` of its JWTs. */
  issuer: string;
  /** Exactly one of jwksUri and certificateFile (absolute path of a PEM certificate). */
  jwksUri?: string;
  certificateFile?: string;
  /** A JWT's `aud` must hold one of these. */
  audiences: string[];
  /** `local`: `sub` names a user of the Key Manager; `federated`: an outside user, stored as `<name>/<sub>`. */
  subjects: 'local' | 'federated';
}

/**
 * `[[oauth.wso2_jwt_issuer]]`: a WSO2 Key Manager whose JWT access tokens, imported by `cli wso2 import`,
 * keep verifying here — signed by `certificateFile`'s key, under WSO2's `kid`, with `iss` = `issuer`.
 */
export interface Wso2JwtIssuerSettings {
  /** WSO2's `iss`, e.g. `https://wso2.example.com:9443/oauth2/token`. */
  issuer: string;
  /** Absolute path of WSO2's signing certificate (PEM). */
  certificateFile: string;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** The validated, typed configuration of one service. Deeply frozen. */
export interface DeploymentConfig {
  /** Absolute path of the TOML file. */
  file: string;
  service: ServiceName;
  server: {
    host: string;
    /** key-manager 9443, devportal 9444, cli 0 (does not listen) unless configured. */
    port: number;
    /** Without a trailing slash. Default `http://localhost:<port>`. */
    publicUrl: string;
    bodyLimitBytes: number;
    /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
    trustProxy: boolean;
    /** How long a client may take to send a request's headers (default 10 s); never above `requestTimeoutMs`. */
    headersTimeoutMs: number;
    /** How long a client may take to send a whole request, headers and body (default 30 s). */
    requestTimeoutMs: number;
    /** A connection with no traffic either way for this long is closed (default 60 s). */
    idleTimeoutMs: number;
    /** How long a keep-alive connection may wait for its next request (default 72 s). */
    keepAliveTimeoutMs: number;
    /** Open connections at most; further ones are closed at once (default 1024). */
    maxConnections: number;
    /** At a stop (SIGTERM), how long requests under way may take to finish before their connections are closed (default 10 s). */
    shutdownTimeoutMs: number;
  };
  /**
   * `[management]`: where `/metrics` and the detailed readiness report are served. Default host `127.0.0.1`,
   * port = `server.port` + 100 (key-manager 9543, devportal 9544); 0 for the CLI (it does not listen).
   */
  management: { host: string; port: number };
  database: {
    url: string;
    schema: string;
    poolSize: number;
    /**
     * `[database] ssl_mode`, libpq's meanings: `disable` no TLS; `require` TLS, certificate not checked;
     * `verify-ca` the certificate must chain to `sslCaFile`; `verify-full` that, and name the URL's host.
     * Absent: the URL's own query (`?sslmode=…`) decides, as node-postgres reads it.
     */
    sslMode?: DatabaseSslMode;
    /** `[database] ssl_ca_file`, absolute: the only certificates trusted for the server (verify-ca / verify-full). */
    sslCaFile?: string;
  };
  /** `subjectPrefix`: '' for none; otherwise every subject of this deployment is `<prefix>.<subject>`. */
  nats: {
    servers: string[];
    requestTimeoutMs: number;
    /** `[transport.nats] hedge_delay`: a call with no answer this long is sent again beside the first; unset: a fifth of `requestTimeoutMs`, 200 ms to 1 s. */
    hedgeDelayMs?: number;
    queue: string;
    subjectPrefix: string;
    user?: string;
    password?: string;
    /** `[transport.nats] tls_ca_file`, absolute: TLS to the servers, trusting these certificates only. */
    tlsCaFile?: string;
  };
  keystore: { primary: KeystoreSettings; old: KeystoreSettings[] };
  encryption: {
    /** `[apim.oauth_config] enable_token_encryption`. */
    enabled: boolean;
    /**
     * `[apim.oauth_config] enable_token_hashing` (or Identity Server's `[oauth] hash_tokens_and_secrets`):
     * store every secret as its SHA-256 only. Never together with `enabled`.
     */
    hashing: boolean;
    /** Canonical transformation name, from `[system.parameter] "org.wso2.CipherTransformation"`. */
    transformation: string;
    key?: string;
    oldKey?: string;
    /**
     * `[encryption] sealed_secret_reserve`: how many fresh secrets the Key Manager keeps sealed ahead, in a
     * low-priority worker thread, while it writes RSA-OAEP. 0 seals each secret on its request.
     */
    sealedSecretReserve: number;
  };
  /** Required for key-manager; empty strings when absent for the other services. */
  superAdmin: { username: string; password: string };
  oauth: {
    /** Default: the key manager's `publicUrl`, whichever service loads the file. */
    issuer: string;
    applicationAccessTokenLifetimeSec: number;
    userAccessTokenLifetimeSec: number;
    refreshTokenLifetimeSec: number;
    authorizationCodeLifetimeSec: number;
    cleanup: { enabled: boolean; intervalSec: number; retentionSec: number; batchSize: number };
    /** `[oauth.auth_throttle]`: failed password and client-secret checks (docs/security.md, "Throttling"). */
    throttle: AuthThrottleSettings;
    /**
     * `[oauth.multiple_client_secrets]` (WSO2 API-M 4.7): whether a client may hold several consumer secrets,
     * and how many at most, the first one included.
     */
    multipleClientSecrets: { enabled: boolean; secretCount: number };
    idTokenLifetimeSec: number;
    /** RFC 8628: how long a device code lives, and the least interval between a device's polls. */
    deviceFlow: { expirySec: number; intervalSec: number };
    trustedIssuers: TrustedIssuerSettings[];
    wso2JwtIssuers: Wso2JwtIssuerSettings[];
  };
  /**
   * `[cors]`: origins whose browser scripts may call the Key Manager's public OAuth2 endpoints. Empty and
   * false by default: nothing is allowed.
   */
  cors: { allowedOrigins: string[]; allowAnyOrigin: boolean; maxAgeSec: number };
  /**
   * `[devportal]`: seconds the portal caches bearer-token validations (`token_cache_ttl`) and what
   * generate-token needs about a key (`key_cache_ttl`); 0 disables either cache.
   */
  devportal: { tokenCacheTtlSec: number; keyCacheTtlSec: number; keyManagerWaitSec: number };
  log: { level: LogLevel };
  observability: { tracing: TracingSettings };
}

/**
 * `[observability.tracing]`, completed from the standard `OTEL_*` environment variables where the file is
 * silent. Off by default; when off, no OpenTelemetry SDK is loaded.
 */
export interface TracingSettings {
  enabled: boolean;
  /** The OTLP/HTTP traces URL (JSON encoding), e.g. `http://otel-collector:4318/v1/traces`. May hold credentials. */
  endpoint: string;
  /** `service.name` of the spans; default the service (`key-manager`, `devportal`). */
  serviceName: string;
  /** Share of new traces recorded (0–1); a request that arrives with a sampled `traceparent` is always recorded. */
  sampleRatio: number;
}

/**
 * The authentication throttle. Failures are forgotten `windowSec` after the last one. A limit reached locks
 * for `lockSec`, doubled by every further failure, at most `maxLockSec`.
 */
export interface AuthThrottleSettings {
  enabled: boolean;
  windowSec: number;
  /** Failures of one account (user, client, super admin) from one address. */
  accountAddressMaxFailures: number;
  /** Failures of one account from all addresses together (distributed guessing). */
  accountMaxFailures: number;
  /** Distinct accounts failing from one address (password spraying, credential stuffing). */
  addressMaxAccounts: number;
  lockSec: number;
  maxLockSec: number;
}

/** What the development launcher (`npm start`) may take from its environment. */
export interface LauncherEnv {
  deploymentConfig?: string;
  databaseUrl?: string;
  natsUrl?: string;
  port?: number;
}
