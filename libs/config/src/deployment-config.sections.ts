import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  isFQDN,
  isIP,
  isURL,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  type ValidationArguments,
} from 'class-validator';
import { checkSymmetricKey, checkTransformation } from './crypto-checks.util.js';
import { DATABASE_SSL_MODES, type DatabaseSslMode } from './config.types.js';
import { TomlKey, typeOf, valueIs } from './toml-key.decorator.js';

// One class per TOML table. Each property is optional: a section is validated as it appears in the file
// (a per-service overlay holds only some keys), and required keys are checked on the merged view of the
// loading service. Properties are camelCase; @TomlKey maps them to the WSO2-style snake_case keys.

const MAX_INT32 = 2_147_483_647;

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

function IntegerKey(name: string, min: number, max: number, unit?: string): PropertyDecorator {
  const range = max === MAX_INT32 ? `${min} or more` : `from ${min} to ${max}`;
  return compose(
    TomlKey(name, { kind: 'integer', expected: `an integer ${range}${unit ? ` (${unit})` : ''}` }),
    Max(max, valueIs),
    Min(min, valueIs),
    IsInt(valueIs),
  );
}

function BooleanKey(name: string): PropertyDecorator {
  return compose(TomlKey(name, { kind: 'boolean', expected: 'true or false' }), IsBoolean(valueIs));
}

/** A string that must not be shown; `problem` explains what is wrong without quoting it. */
function SecretKey(name: string, expected: string, problem?: (value: string) => string | undefined): PropertyDecorator {
  const decorators = [TomlKey(name, { kind: 'string', expected, secret: true })];
  if (problem) {
    decorators.push(
      ValidateBy(
        {
          name: `${name}Secret`,
          validator: {
            validate: (value: unknown) => typeof value !== 'string' || problem(value) === undefined,
            defaultMessage: (args?: ValidationArguments) => problem(String(args?.value)) ?? 'is set but not valid',
          },
        },
        {},
      ),
    );
  }
  decorators.push(IsString(valueIs));
  return compose(...decorators);
}

function isHost(value: unknown): boolean {
  return typeof value === 'string' && (isIP(value) || isFQDN(value, { require_tld: false, allow_underscores: true }));
}

function isHttpUrl(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    isURL(value, { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true })
  );
}

const HttpUrl = (name: string, validatorName: string) =>
  compose(
    TomlKey(name, { kind: 'string', expected: 'an http:// or https:// URL, e.g. "https://km.example.com"' }),
    ValidateBy({ name: validatorName, validator: { validate: isHttpUrl } }, valueIs),
  );

/** Database URLs usually embed a password: say what is wrong with the URL without quoting any of it. */
function postgresUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is set but is not a URL (percent-encode @ : / ? # in a password inserted with $env{})';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `is set but its scheme is "${url.protocol}"`;
  return undefined;
}

function natsServersProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `is ${typeOf(value)}`;
  if (value.length === 0) return 'is an empty list';
  for (const [index, server] of value.entries()) {
    if (typeof server !== 'string') return `has an entry that is not a string (item ${index + 1})`;
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      return `has an entry that is not a URL (item ${index + 1})`;
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:') return `has an entry whose scheme is "${url.protocol}" (item ${index + 1})`;
  }
  return undefined;
}

export class ServerSection {
  @TomlKey('host', { kind: 'string', expected: 'an IP address or host name to listen on, e.g. "0.0.0.0"' })
  @ValidateBy({ name: 'isHost', validator: { validate: isHost } }, valueIs)
  host?: string;

  @IntegerKey('port', 1, 65535)
  port?: number;

  @HttpUrl('public_url', 'isPublicUrl')
  publicUrl?: string;

  @IntegerKey('body_limit', 1024, 10 * 1024 * 1024, 'bytes')
  bodyLimit?: number;

  @BooleanKey('trust_proxy')
  trustProxy?: boolean;

  @IntegerKey('headers_timeout', 1000, 600_000, 'milliseconds')
  headersTimeout?: number;

  @IntegerKey('request_timeout', 1000, 3_600_000, 'milliseconds')
  requestTimeout?: number;

  @IntegerKey('idle_timeout', 1000, 3_600_000, 'milliseconds')
  idleTimeout?: number;

  @IntegerKey('keep_alive_timeout', 1000, 600_000, 'milliseconds')
  keepAliveTimeout?: number;

  @IntegerKey('max_connections', 1, 1_000_000)
  maxConnections?: number;

  @IntegerKey('shutdown_timeout', 0, 600_000, 'milliseconds')
  shutdownTimeout?: number;
}

/**
 * `[management]`: the port that serves `/metrics` and the detailed readiness report. Kept apart from the
 * public port so that what it reveals (NATS address, keystore thumbprint, stored-value counts) reaches only
 * whoever can reach this address.
 */
export class ManagementSection {
  @TomlKey('host', { kind: 'string', expected: 'an IP address or host name to listen on, e.g. "127.0.0.1" (this machine only) or "0.0.0.0"' })
  @ValidateBy({ name: 'isManagementHost', validator: { validate: isHost } }, valueIs)
  host?: string;

  @IntegerKey('port', 1, 65535)
  port?: number;
}

export class DatabaseSection {
  @SecretKey('url', 'a postgres:// or postgresql:// URL, e.g. "postgres://apim:$env{DB_PASSWORD}@postgres:5432/apim"', postgresUrlProblem)
  url?: string;

  @TomlKey('schema', {
    kind: 'string',
    expected: 'a SQL identifier: lowercase letters, digits and _, not starting with a digit, at most 63 characters',
  })
  @MaxLength(63, valueIs)
  @Matches(/^[a-z_][a-z0-9_]*$/, valueIs)
  @IsString(valueIs)
  schema?: string;

  @IntegerKey('pool_size', 1, 100, 'connections')
  poolSize?: number;

  @TomlKey('ssl_mode', {
    kind: 'string',
    expected: `one of ${DATABASE_SSL_MODES.map((m) => `"${m}"`).join(', ')} (libpq's sslmode: verify-full checks the certificate and the host name)`,
  })
  @IsIn(DATABASE_SSL_MODES, valueIs)
  sslMode?: DatabaseSslMode;

  @TomlKey('ssl_ca_file', {
    kind: 'string',
    expected: 'a PEM file of the certificate authorities (or the self-signed certificate) to trust for the database server, relative to deployment.toml\'s folder',
  })
  @IsString(valueIs)
  sslCaFile?: string;
}

export class NatsSection {
  // Server URLs may carry credentials (nats://user:password@host): treated as secret.
  @TomlKey('servers', {
    kind: 'string[]',
    expected: 'a non-empty list of nats:// or tls:// URLs, e.g. ["nats://nats:4222"] (a string is split on commas)',
    secret: true,
  })
  @ValidateBy(
    {
      name: 'isNatsServerList',
      validator: {
        validate: (value: unknown) => natsServersProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => natsServersProblem(args?.value) ?? '',
      },
    },
    {},
  )
  servers?: string[];

  @IntegerKey('request_timeout', 100, 600_000, 'milliseconds')
  requestTimeout?: number;

  @IntegerKey('hedge_delay', 10, 600_000, 'milliseconds')
  hedgeDelay?: number;

  @TomlKey('queue', { kind: 'string', expected: 'a NATS queue group name: letters, digits, _ - and .' })
  @Matches(/^[A-Za-z0-9_.-]+$/, valueIs)
  @IsString(valueIs)
  queue?: string;

  @TomlKey('subject_prefix', {
    kind: 'string',
    shared: true,
    expected: 'NATS subject tokens joined by dots, each of letters, digits, _ and -, e.g. "prod" or "acme.staging"',
  })
  @Matches(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, valueIs)
  @IsString(valueIs)
  subjectPrefix?: string;

  @TomlKey('user', { kind: 'string', expected: 'a NATS user name' })
  @IsString(valueIs)
  user?: string;

  @SecretKey('password', 'the NATS password, e.g. "$env{NATS_PASSWORD}"')
  password?: string;

  @TomlKey('tls_ca_file', {
    kind: 'string',
    expected: 'a PEM file of the certificate authorities (or the self-signed certificate) to trust for the NATS servers, relative to deployment.toml\'s folder; with it the connection is TLS',
  })
  @IsString(valueIs)
  tlsCaFile?: string;
}

export class KeystoreSection {
  @TomlKey('file_name', {
    kind: 'string',
    expected: 'the keystore file: an absolute path, or a path relative to the folder of deployment.toml',
  })
  @IsString(valueIs)
  fileName?: string;

  @TomlKey('type', { kind: 'string', expected: '"PKCS12" or "JKS"' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsIn(['PKCS12', 'JKS'], valueIs)
  type?: 'PKCS12' | 'JKS';

  @SecretKey('password', 'the keystore password, e.g. "$env{KEYSTORE_PASSWORD}"')
  password?: string;

  @TomlKey('alias', { kind: 'string', expected: 'the alias of the private key entry in the keystore' })
  @IsString(valueIs)
  alias?: string;

  @SecretKey('key_password', 'the password of the private key entry (defaults to password)')
  keyPassword?: string;
}

/** `[apim.oauth_config]`: WSO2 API Manager's switches. */
export class OauthConfigSection {
  @BooleanKey('enable_token_encryption')
  enableTokenEncryption?: boolean;

  /** API Manager's name for Identity Server's `[oauth] hash_tokens_and_secrets` (product-apim infer.json sets one from the other). */
  @BooleanKey('enable_token_hashing')
  enableTokenHashing?: boolean;
}

export const CIPHER_TRANSFORMATION_KEY = 'org.wso2.CipherTransformation';

/** `[system.parameter]`: WSO2's place for the transformation (a quoted key, dots included). */
export class SystemParameterSection {
  @TomlKey(CIPHER_TRANSFORMATION_KEY, {
    kind: 'string',
    expected:
      'one of "RSA/ECB/OAEPwithSHA1andMGF1Padding", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", "AES/GCM/NoPadding"',
  })
  @ValidateBy(
    {
      name: 'isWritableTransformation',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || checkTransformation(value).problem === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `is ${JSON.stringify(args?.value)}: ${checkTransformation(String(args?.value)).problem ?? ''}`,
      },
    },
    {},
  )
  @IsString(valueIs)
  cipherTransformation?: string;
}

const SYMMETRIC_KEY_EXPECTED =
  '16, 24 or 32 characters (UTF-8 bytes), or 48 or 64 hexadecimal characters (24 or 32 bytes), e.g. "$env{SYMMETRIC_KEY}"';

export class EncryptionSection {
  @SecretKey('key', SYMMETRIC_KEY_EXPECTED, checkSymmetricKey)
  key?: string;

  @SecretKey('old_key', SYMMETRIC_KEY_EXPECTED, checkSymmetricKey)
  oldKey?: string;

  @IntegerKey('sealed_secret_reserve', 0, 65_536, 'secrets; 0 seals every secret on its request')
  sealedSecretReserve?: number;
}

export class SuperAdminSection {
  @TomlKey('username', { kind: 'string', expected: 'the administrator user name, e.g. "admin"' })
  @IsString(valueIs)
  username?: string;

  @SecretKey('password', 'a password of at least 8 characters, e.g. "$env{ADMIN_PASSWORD}"')
  @MinLength(8, { message: (args: ValidationArguments) => `is set but is only ${String(args.value).length} characters` })
  password?: string;
}

export class OauthSection {
  @HttpUrl('issuer', 'isIssuerUrl')
  issuer?: string;

  /** Identity Server's switch for token hashing; API Manager's `[apim.oauth_config] enable_token_hashing` means the same. */
  @BooleanKey('hash_tokens_and_secrets')
  hashTokensAndSecrets?: boolean;

  @TomlKey('hash_token_algorithm', { kind: 'string', expected: '"SHA-256": every lookup of a token or secret goes by its SHA-256' })
  @Matches(/^SHA-?256$/i, valueIs)
  @IsString(valueIs)
  hashTokenAlgorithm?: string;
}

export class TokenExpirySection {
  @IntegerKey('application_access_token', 1, MAX_INT32, 'seconds')
  applicationAccessToken?: number;

  @IntegerKey('user_access_token', 1, MAX_INT32, 'seconds')
  userAccessToken?: number;

  @IntegerKey('refresh_token', 1, MAX_INT32, 'seconds')
  refreshToken?: number;

  @IntegerKey('authorization_code', 1, MAX_INT32, 'seconds')
  authorizationCode?: number;

  @IntegerKey('id_token', 1, MAX_INT32, 'seconds')
  idToken?: number;
}

/** `[oauth.device_flow]`: the device authorization grant (RFC 8628). */
export class DeviceFlowSection {
  @IntegerKey('expiry_time', 60, 86_400, 'seconds a device code and its user code stay valid')
  expiryTime?: number;

  @IntegerKey('polling_interval', 1, 60, 'seconds a device must wait between polls')
  pollingInterval?: number;
}

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
function originProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `is ${typeOf(value)}`;
  for (const [index, origin] of value.entries()) {
    if (typeof origin !== 'string') return `has an entry that is not a string (item ${index + 1})`;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `has an entry that is not an origin (item ${index + 1})`;
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.toLowerCase().replace(/\/$/, '')) {
      return `has an entry that is not an origin like "https://app.example.com" (item ${index + 1})`;
    }
  }
  return undefined;
}

/** `[cors]`: which browser origins may call the Key Manager's public endpoints (WSO2 IS's key names). */
export class CorsSection {
  @TomlKey('allowed_origins', {
    kind: 'string[]',
    expected: 'a list of origins, e.g. ["https://app.example.com", "http://localhost:3000"] (scheme, host, port; no path)',
  })
  @ValidateBy(
    {
      name: 'isOriginList',
      validator: {
        validate: (value: unknown) => originProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => originProblem(args?.value) ?? '',
      },
    },
    {},
  )
  allowedOrigins?: string[];

  @BooleanKey('allow_any_origin')
  allowAnyOrigin?: boolean;

  @IntegerKey('max_age', 0, 86_400, 'seconds a browser may cache a preflight answer')
  maxAge?: number;
}

/** `[[oauth.trusted_issuer]]`: an issuer whose JWTs the jwt-bearer and token-exchange grants accept. */
export class TrustedIssuerSection {
  @TomlKey('name', { kind: 'string', expected: 'a short label: letters, digits, _ and -, e.g. "partner-idp"' })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, valueIs)
  @IsString(valueIs)
  name?: string;

  @TomlKey('issuer', { kind: 'string', expected: 'the exact "iss" of the JWTs, e.g. "https://idp.example.com"' })
  @MaxLength(2048, valueIs)
  @MinLength(1, valueIs)
  @IsString(valueIs)
  issuer?: string;

  @HttpUrl('jwks_uri', 'isJwksUri')
  jwksUri?: string;

  @TomlKey('certificate', {
    kind: 'string',
    expected: 'a PEM certificate file: an absolute path, or a path relative to the folder of deployment.toml',
  })
  @IsString(valueIs)
  certificate?: string;

  @TomlKey('audiences', {
    kind: 'string[]',
    expected: 'the values one of which a JWT\'s "aud" must hold (default: the token endpoint URL and the issuer)',
  })
  @ValidateBy({ name: 'isStringList', validator: { validate: (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0) } }, valueIs)
  audiences?: string[];

  @TomlKey('subjects', { kind: 'string', expected: '"local" (sub names a user of the Key Manager) or "federated" (sub is an outside user)' })
  @IsIn(['local', 'federated'], valueIs)
  subjects?: 'local' | 'federated';
}

/** `[[oauth.wso2_jwt_issuer]]`: a WSO2 Key Manager whose imported JWT access tokens keep verifying. */
export class Wso2JwtIssuerSection {
  @TomlKey('issuer', { kind: 'string', expected: 'the "iss" of the WSO2 JWTs, e.g. "https://wso2.example.com:9443/oauth2/token"' })
  @MaxLength(2048, valueIs)
  @MinLength(1, valueIs)
  @IsString(valueIs)
  issuer?: string;

  @TomlKey('certificate', {
    kind: 'string',
    expected: "WSO2's signing certificate, a PEM file: an absolute path, or a path relative to the folder of deployment.toml",
  })
  @MinLength(1, valueIs)
  @IsString(valueIs)
  certificate?: string;
}

export class TokenCleanupSection {
  @BooleanKey('enable')
  enable?: boolean;

  @IntegerKey('interval', 1, MAX_INT32, 'seconds')
  interval?: number;

  @IntegerKey('retention', 0, MAX_INT32, 'seconds')
  retention?: number;

  @IntegerKey('batch_size', 1, 100_000, 'rows')
  batchSize?: number;
}

/** `[oauth.auth_throttle]`: the one throttle of every password and client-secret check (see docs/security.md). */
export class AuthThrottleSection {
  @BooleanKey('enable')
  enable?: boolean;

  @IntegerKey('window', 1, MAX_INT32, 'seconds')
  window?: number;

  @IntegerKey('account_address_max_failures', 1, MAX_INT32, 'failures')
  accountAddressMaxFailures?: number;

  @IntegerKey('account_max_failures', 1, MAX_INT32, 'failures')
  accountMaxFailures?: number;

  @IntegerKey('address_max_accounts', 1, MAX_INT32, 'accounts')
  addressMaxAccounts?: number;

  @IntegerKey('lock', 1, MAX_INT32, 'seconds')
  lock?: number;

  @IntegerKey('max_lock', 1, MAX_INT32, 'seconds')
  maxLock?: number;
}

/**
 * `[oauth.multiple_client_secrets]`: several consumer secrets per client (WSO2 API-M 4.7, same keys:
 * `enable`, `secret_count`). Here the count has a default (10) where WSO2 has none.
 */
export class MultipleClientSecretsSection {
  @BooleanKey('enable')
  enable?: boolean;

  @IntegerKey('secret_count', 1, 1000, 'secrets per client')
  secretCount?: number;
}

/** `[devportal]` itself: settings only the Developer Portal reads (its sub-tables are its overlay). */
export class DevportalSection {
  @IntegerKey('token_cache_ttl', 0, 3600, 'seconds; 0 disables the cache')
  tokenCacheTtl?: number;

  @IntegerKey('key_cache_ttl', 0, 3600, 'seconds; 0 disables the cache')
  keyCacheTtl?: number;

  @IntegerKey('key_manager_wait', 0, 3600, 'seconds; 0 does not wait')
  keyManagerWait?: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export class LogSection {
  @TomlKey('level', { kind: 'string', expected: `one of ${LOG_LEVELS.join(', ')}` })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(LOG_LEVELS, valueIs)
  level?: (typeof LOG_LEVELS)[number];
}

/** An http(s) URL that may carry credentials: never quoted in a message. */
function otlpEndpointProblem(value: string): string | undefined {
  return isHttpUrl(value) ? undefined : 'is set but is not an http:// or https:// URL';
}

/**
 * `[observability.tracing]`: OpenTelemetry traces exported over OTLP/HTTP. Off unless `enabled` (or the
 * standard `OTEL_TRACES_EXPORTER=otlp`); see docs/deployment.md, "Tracing".
 */
export class TracingSection {
  @BooleanKey('enabled')
  enabled?: boolean;

  @SecretKey('endpoint', 'the OTLP/HTTP traces URL of a collector, e.g. "http://otel-collector:4318/v1/traces"', otlpEndpointProblem)
  endpoint?: string;

  @TomlKey('service_name', { kind: 'string', expected: 'a service name of 1 to 100 characters, e.g. "key-manager"' })
  @MaxLength(100, valueIs)
  @MinLength(1, valueIs)
  @IsString(valueIs)
  serviceName?: string;

  @TomlKey('sample_ratio', { kind: 'number', expected: 'a number from 0 to 1: the share of new traces recorded (1 = all)' })
  @Max(1, valueIs)
  @Min(0, valueIs)
  @IsNumber({ allowNaN: false, allowInfinity: false }, valueIs)
  sampleRatio?: number;
}
