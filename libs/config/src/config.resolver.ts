import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigError } from './config.error.js';
import { ALL_KEYS, OVERLAY_ROOT, OVERLAYABLE, SCHEMA, WSO2_HINTS, type SchemaNode, type SectionSpec } from './config.schema.js';
import type { ConfigIssue, DatabaseSslMode, DeploymentConfig, KeystoreSettings, LogLevel, ServiceName, TracingSettings, TrustedIssuerSettings, Wso2JwtIssuerSettings } from './config.types.js';
import { checkTransformation, DEFAULT_TRANSFORMATION, SYMMETRIC_TRANSFORMATION } from './crypto-checks.util.js';
import { CIPHER_TRANSFORMATION_KEY } from './deployment-config.sections.js';
import { didYouMean } from './did-you-mean.util.js';
import { substituteEnv, substituteFiles } from './env-reference.util.js';
import { keysOf, typeOf, type KeyKind, type KeySpec } from './toml-key.decorator.js';

const DEFAULT_PORT: Record<ServiceName, number> = { 'key-manager': 9443, devportal: 9444, cli: 0 };
const DEFAULT_SCHEMA: Record<ServiceName, string> = { 'key-manager': 'key_manager', devportal: 'devportal', cli: 'key_manager' };

export interface ResolveContext {
  /** Absolute path of the TOML file: named in issues, and the base of relative keystore paths. */
  file: string;
  service: ServiceName;
  env: NodeJS.ProcessEnv;
  /** Contents to use for `$file{}` references (by absolute path) instead of reading those files. */
  files?: ReadonlyMap<string, string>;
}

/** What one TOML table held, once substituted and validated. */
interface TableData {
  /** Rendered path, e.g. `devportal.server`, `keystore.old[0]`. */
  key: string;
  spec: SectionSpec;
  /** Substituted and coerced, before validation, by TOML name. */
  raw: Map<string, unknown>;
  /** Environment variables each raw value was built from. */
  variables: Map<string, string[]>;
  /** Valid values, by TOML name. */
  values: Map<string, unknown>;
  /** Keys whose value was empty (which means "not set"), with the variables involved. */
  blank: Map<string, string[]>;
  /** Keys whose value used a variable set to the empty string. */
  emptyVariables: Map<string, string[]>;
  /** Keys already reported: no "is missing" on top. */
  reported: Set<string>;
}

type Document = Record<string, unknown>;

function isTable(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function renderSegment(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${renderSegment(name)}` : renderSegment(name);
}

function references(variables: readonly string[]): string {
  return variables.map((name) => `$env{${name}}`).join(', ');
}

function fromEnv(variables: readonly string[] | undefined): string {
  return variables?.length ? ` (from ${references(variables)})` : '';
}

class Issues {
  private readonly list: ConfigIssue[] = [];

  add(key: string, problem: string, expected: string): void {
    if (!this.list.some((i) => i.key === key && i.problem === problem)) this.list.push({ key, problem, expected });
  }

  /** Whether `key` already has an issue: a table that is not a table is not also "missing". */
  has(key: string): boolean {
    return this.list.some((i) => i.key === key);
  }

  get all(): readonly ConfigIssue[] {
    return this.list;
  }
}

/** Defaults of the HTTP listener's timeouts, connection cap (docs/security.md "Slow clients") and drain time at a stop. */
export const HTTP_LIMIT_DEFAULTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 72_000, maxConnections: 1024, shutdownTimeoutMs: 10_000 } as const;

/** `[server]`'s timeouts and connection cap; the headers of a request cannot be given longer than all of it. */
function httpLimits(server: Layer, issues: Issues): Pick<DeploymentConfig['server'], keyof typeof HTTP_LIMIT_DEFAULTS> {
  const limits = {
    headersTimeoutMs: server.get<number>('headers_timeout') ?? HTTP_LIMIT_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: server.get<number>('request_timeout') ?? HTTP_LIMIT_DEFAULTS.requestTimeoutMs,
    idleTimeoutMs: server.get<number>('idle_timeout') ?? HTTP_LIMIT_DEFAULTS.idleTimeoutMs,
    keepAliveTimeoutMs: server.get<number>('keep_alive_timeout') ?? HTTP_LIMIT_DEFAULTS.keepAliveTimeoutMs,
    maxConnections: server.get<number>('max_connections') ?? HTTP_LIMIT_DEFAULTS.maxConnections,
    shutdownTimeoutMs: server.get<number>('shutdown_timeout') ?? HTTP_LIMIT_DEFAULTS.shutdownTimeoutMs,
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    issues.add('server.headers_timeout', `is ${limits.headersTimeoutMs}, longer than server.request_timeout (${limits.requestTimeoutMs})`, 'at most server.request_timeout: the headers are part of the request');
  }
  return limits;
}

/**
 * Placeholders such as deploy/.env.example's "example-db-password-change-me": anyone can read them, so a
 * service refuses to start with one in a secret key (also inside a URL).
 */
const PLACEHOLDER_SECRET = /change[-_ ]?me/i;

export function isPlaceholderSecret(value: unknown): boolean {
  if (typeof value === 'string') return PLACEHOLDER_SECRET.test(value);
  return Array.isArray(value) && value.some((item) => typeof item === 'string' && PLACEHOLDER_SECRET.test(item));
}

/** Substitutes `$env{}` and turns the string forms of numbers and booleans into their types. */
function coerce(kind: KeyKind, value: unknown, env: NodeJS.ProcessEnv, baseDir: string, files?: ReadonlyMap<string, string>) {
  const variables: string[] = [];
  const unset: string[] = [];
  const empty: string[] = [];
  const unreadable: Array<{ path: string; reason: string }> = [];
  let malformed: string | undefined;
  const substitute = (input: string): string => {
    const result = substituteEnv(input, env);
    variables.push(...result.variables);
    unset.push(...result.unset);
    empty.push(...result.empty);
    malformed ??= result.malformed;
    const substituted = substituteFiles(result.value, (path) => {
      const absolute = resolve(baseDir, path);
      return files?.get(absolute) ?? readFileSync(absolute, 'utf8');
    });
    unreadable.push(...substituted.unreadable);
    return substituted.value;
  };

  let coerced: unknown = value;
  let blank = false;
  if (typeof value === 'string') {
    const text = substitute(value);
    blank = text === '';
    if (kind === 'integer' && /^[+-]?\d+$/.test(text.trim())) coerced = Number(text.trim());
    else if (kind === 'number' && /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text.trim())) coerced = Number(text.trim());
    else if (kind === 'boolean' && /^(true|false)$/i.test(text.trim())) coerced = text.trim().toLowerCase() === 'true';
    else if (kind === 'string[]') {
      coerced = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
      blank = (coerced as string[]).length === 0;
    } else coerced = text;
  } else if (kind === 'string[]' && Array.isArray(value)) {
    coerced = value.map((item: unknown) => (typeof item === 'string' ? substitute(item) : item));
  }
  return { value: coerced, blank, variables, unset, empty, unreadable, malformed };
}

/**
 * Turns a parsed `deployment.toml` into the configuration of one service, or throws one
 * {@link ConfigError} (`CONFIG_INVALID`) listing every problem.
 *
 * Every value present in the file is checked, wherever it sits (so a bad value in the devportal overlay
 * also stops the key manager: one file, one verdict); keys a service requires are checked on the merged
 * view of that service.
 */
export function resolveConfig(document: Document, context: ResolveContext): DeploymentConfig {
  const issues = new Issues();
  const tables = new Map<string, TableData>();
  /** The tables of each array of tables (`[[keystore.old]]`, `[[oauth.trusted_issuer]]`), by schema path. */
  const arrays = new Map<string, TableData[]>();

  // --- 1. Walk the document against the schema: unknown keys, misplaced overlays, substitution. ---

  const openTable = (key: string, spec: SectionSpec): TableData => {
    const data: TableData = {
      key,
      spec,
      raw: new Map(),
      variables: new Map(),
      values: new Map(),
      blank: new Map(),
      emptyVariables: new Map(),
      reported: new Set(),
    };
    tables.set(key, data);
    return data;
  };

  const readLeaf = (data: TableData, spec: KeySpec, value: unknown, key: string): void => {
    const result = coerce(spec.kind, value, context.env, dirname(context.file), context.files);
    if (result.unreadable.length > 0) {
      issues.add(
        key,
        `reads ${result.unreadable.map((f) => `$file{${f.path}}`).join(', ')}, which cannot be read (${result.unreadable.map((f) => f.reason).join(', ')})`,
        'a readable file (relative paths are relative to the folder of deployment.toml)',
      );
      data.reported.add(spec.name);
    } else if (result.unset.length > 0) {
      const plural = result.unset.length > 1;
      issues.add(
        key,
        `uses ${references(result.unset)}, which ${plural ? 'are' : 'is'} not set`,
        `the environment variable${plural ? 's' : ''} ${result.unset.join(', ')} to be set for this service`,
      );
      data.reported.add(spec.name);
    } else if (result.malformed) {
      issues.add(key, result.malformed, 'references written as $env{NAME}, NAME made of letters, digits and _');
      data.reported.add(spec.name);
    } else if (result.blank) {
      data.blank.set(spec.name, result.variables);
    } else if (spec.secret && isPlaceholderSecret(result.value)) {
      // The value itself is never echoed (a placeholder is public, but this path must not learn to print secrets).
      issues.add(
        key,
        `holds a placeholder ("…change-me"), not a secret${result.variables.length > 0 ? ` (from ${references(result.variables)})` : ''}`,
        'a fresh secret of your own, e.g. from `openssl rand -hex 24` — the values in deploy/.env.example are public',
      );
      data.reported.add(spec.name);
    } else {
      data.raw.set(spec.name, result.value);
      data.variables.set(spec.name, result.variables);
      if (result.empty.length > 0) data.emptyVariables.set(spec.name, result.empty);
    }
  };

  const unknownKey = (node: SchemaNode, name: string, value: unknown, key: string): void => {
    const hint = WSO2_HINTS[key];
    const leafNames = node.section ? keysOf(node.section.section).map((k) => k.name) : [];
    const known = [...leafNames, ...node.children.keys()];
    const where = node.path ? `[${node.path}]` : 'the top level';
    const expected = known.length > 0 ? `one of the keys of ${where}: ${known.join(', ')}` : `no keys directly in ${where}`;
    if (hint) {
      issues.add(key, `is a WSO2 key this server does not read: ${hint}`, expected);
      return;
    }
    // `org.wso2.CipherTransformation = ...` unquoted: TOML reads the dots as nested tables.
    if (isTable(value)) {
      const dotted = flatten(name, value).find((path) => leafNames.some((leaf) => leaf.toLowerCase() === path.toLowerCase()));
      if (dotted) {
        const leaf = leafNames.find((l) => l.toLowerCase() === dotted.toLowerCase())!;
        issues.add(key, `is not a known key: write "${leaf}" in quotes, or TOML reads its dots as nested tables`, expected);
        return;
      }
    }
    const sibling = didYouMean(name, known);
    if (sibling) {
      issues.add(key, `is not a known key (did you mean "${sibling}"?)`, expected);
      return;
    }
    const elsewhere = didYouMean(name, new Set(ALL_KEYS.map((k) => k.key.name)));
    const exact = ALL_KEYS.filter((k) => k.key.name === (elsewhere ?? name));
    if (exact.length === 1) {
      issues.add(key, `is not a known key here (did you mean "${exact[0]!.key.name}" in [${exact[0]!.table}]?)`, expected);
      return;
    }
    issues.add(key, 'is not a known key', expected);
  };

  const walkTable = (table: Document, node: SchemaNode, prefix: string): void => {
    const data = node.section ? openTable(prefix, node.section) : undefined;
    const leaves = node.section ? keysOf(node.section.section) : [];
    for (const [name, value] of Object.entries(table)) {
      const key = join(prefix, name);
      const leaf = leaves.find((k) => k.name === name);
      if (leaf && data && leaf.shared && node.insideOverlayFor) {
        issues.add(
          key,
          `cannot be overridden for ${node.insideOverlayFor} only: ${name} is shared by every service so that the services cannot drift apart`,
          `${name} in [${node.section!.path}] at the top level`,
        );
        continue;
      }
      if (leaf && data) {
        readLeaf(data, leaf, value, key);
        continue;
      }
      const child = node.children.get(name);
      if (child) {
        walkChild(child, value, key);
        continue;
      }
      if (node.overlayFor && SCHEMA.children.has(name)) {
        issues.add(
          key,
          `cannot be overridden for ${node.overlayFor} only: [${name}] is shared by every service so that the services cannot drift apart`,
          `[${name}] at the top level; a service overlay holds only ${OVERLAYABLE.map((s) => `[${prefix}.${s}]`).join(', ')}`,
        );
        continue;
      }
      unknownKey(node, name, value, key);
    }
  };

  const walkChild = (child: SchemaNode, value: unknown, key: string): void => {
    if (child.section?.array) {
      if (Array.isArray(value) && value.every(isTable)) {
        value.forEach((entry, index) => {
          walkTable(entry, child, `${key}[${index}]`);
          const list = arrays.get(child.path) ?? [];
          list.push(tables.get(`${key}[${index}]`)!);
          arrays.set(child.path, list);
        });
      } else {
        issues.add(key, `is ${typeOf(value)}`, `one or more [[${child.path}]] tables (double brackets)`);
      }
    } else if (isTable(value)) {
      walkTable(value, child, key);
    } else {
      issues.add(key, `is ${typeOf(value)}`, `a table: [${child.path}]`);
    }
  };

  walkTable(document, SCHEMA, '');

  // --- 2. Validate each table as it stands, with its section class. ---

  for (const data of tables.values()) validateTable(data, issues);

  // --- 3. Merge the view of the loading service; check required keys and rules across sections. ---

  const service = context.service;
  const overlayRoot = OVERLAY_ROOT[service];
  const table = (path: string) => tables.get(path);
  const layer = (path: string, root: string | undefined = overlayRoot) => {
    const overlay = root && OVERLAYABLE.includes(path) ? table(`${root}.${path}`) : undefined;
    return new Layer(path, table(path), overlay, issues);
  };

  const server = layer('server');
  const port = server.get<number>('port') ?? DEFAULT_PORT[service];
  const kmServer = layer('server', OVERLAY_ROOT['key-manager']);
  const kmPort = kmServer.get<number>('port') ?? DEFAULT_PORT['key-manager'];
  const kmPublicUrl = withoutTrailingSlash(kmServer.get<string>('public_url') ?? `http://localhost:${kmPort}`);

  const management = managementSettings(layer('management'), service, port, issues);
  const folder = dirname(context.file);

  const database = layer('database');
  const databaseUrl = database.require<string>('url') ?? '';
  const databaseTls = databaseTlsSettings(database, databaseUrl, folder, context, issues);
  const nats = layer('transport.nats');
  const natsUser = nats.get<string>('user');
  const natsPassword = nats.get<string>('password');
  const natsTlsCaFile = nats.get<string>('tls_ca_file');
  const natsRequestTimeoutMs = nats.get<number>('request_timeout') ?? 5000;
  const natsHedgeDelayMs = nats.get<number>('hedge_delay');
  if (natsHedgeDelayMs !== undefined && natsHedgeDelayMs >= natsRequestTimeoutMs) {
    issues.add('transport.nats.hedge_delay', `is ${natsHedgeDelayMs}, not below transport.nats.request_timeout (${natsRequestTimeoutMs})`, 'below transport.nats.request_timeout: a call is given up at the timeout, so it would never be sent again');
  }

  const oldKeystores = arrays.get('keystore.old') ?? [];
  const primary = keystore(table('keystore.primary'), 'keystore.primary', folder, issues);
  const old = oldKeystores.map((data) => keystore(data, data.key, folder, issues));
  reportDuplicateKeystores([primary, ...old], ['keystore.primary', ...oldKeystores.map((d) => d.key)], issues);

  const oauthConfig = layer('apim.oauth_config');
  const enabled = oauthConfig.get<boolean>('enable_token_encryption') ?? false;
  const hashing = tokenHashing(oauthConfig.get<boolean>('enable_token_hashing'), layer('oauth').get<boolean>('hash_tokens_and_secrets'), enabled, issues);
  const configuredTransformation = layer('system.parameter').get<string>(CIPHER_TRANSFORMATION_KEY);
  const transformation = configuredTransformation
    ? (checkTransformation(configuredTransformation).canonical ?? configuredTransformation)
    : DEFAULT_TRANSFORMATION;
  const encryption = layer('encryption');
  const key =
    enabled && transformation === SYMMETRIC_TRANSFORMATION
      ? encryption.require<string>('key', `token encryption is on with ${SYMMETRIC_TRANSFORMATION}`)
      : encryption.get<string>('key');
  const oldKey = encryption.get<string>('old_key');

  // The key manager creates and authenticates the administrator; the others may use it when present.
  const superAdmin = layer('super_admin');
  const adminRequired = service === 'key-manager';
  if (adminRequired && !table('super_admin') && !issues.has('super_admin')) {
    issues.add('super_admin', 'is missing', 'a [super_admin] table with username and password (the key manager needs it)');
  }
  const adminValue = (name: string): string =>
    (adminRequired && table('super_admin') ? superAdmin.require<string>(name) : superAdmin.get<string>(name)) ?? '';
  const admin = { username: adminValue('username'), password: adminValue('password') };

  const oauth = layer('oauth');
  const expiry = layer('oauth.token_expiry');
  const cleanup = layer('oauth.token_cleanup');
  const throttle = layer('oauth.auth_throttle');
  const multipleSecrets = layer('oauth.multiple_client_secrets');
  const deviceFlow = layer('oauth.device_flow');
  const cors = layer('cors');
  const trustedIssuers = (arrays.get('oauth.trusted_issuer') ?? []).map((data) => trustedIssuer(data, folder, issues));
  reportDuplicateIssuers(trustedIssuers, arrays.get('oauth.trusted_issuer') ?? [], issues);
  const wso2JwtIssuers = (arrays.get('oauth.wso2_jwt_issuer') ?? []).map((data) => wso2JwtIssuer(data, folder, issues));
  const devportal = layer('devportal');

  const config: DeploymentConfig = {
    file: context.file,
    service,
    server: {
      host: server.get<string>('host') ?? '0.0.0.0',
      port,
      publicUrl: withoutTrailingSlash(server.get<string>('public_url') ?? `http://localhost:${port}`),
      bodyLimitBytes: server.get<number>('body_limit') ?? 65536,
      trustProxy: server.get<boolean>('trust_proxy') ?? false,
      ...httpLimits(server, issues),
    },
    management,
    database: {
      url: databaseUrl,
      schema: database.get<string>('schema') ?? DEFAULT_SCHEMA[service],
      poolSize: database.get<number>('pool_size') ?? 10,
      ...databaseTls,
    },
    nats: {
      servers: nats.get<string[]>('servers') ?? ['nats://127.0.0.1:4222'],
      requestTimeoutMs: natsRequestTimeoutMs,
      ...(natsHedgeDelayMs !== undefined ? { hedgeDelayMs: natsHedgeDelayMs } : {}),
      queue: nats.get<string>('queue') ?? 'key-manager',
      subjectPrefix: nats.get<string>('subject_prefix') ?? '',
      ...(natsUser !== undefined ? { user: natsUser } : {}),
      ...(natsPassword !== undefined ? { password: natsPassword } : {}),
      ...(natsTlsCaFile !== undefined ? { tlsCaFile: resolve(folder, natsTlsCaFile) } : {}),
    },
    keystore: { primary: primary!, old: old.filter((k): k is KeystoreSettings => k !== undefined) },
    encryption: {
      enabled,
      hashing,
      transformation,
      ...(key !== undefined ? { key } : {}),
      ...(oldKey !== undefined ? { oldKey } : {}),
      sealedSecretReserve: encryption.get<number>('sealed_secret_reserve') ?? 256,
    },
    superAdmin: admin,
    oauth: {
      issuer: oauth.get<string>('issuer') ?? kmPublicUrl,
      applicationAccessTokenLifetimeSec: expiry.get<number>('application_access_token') ?? 3600,
      userAccessTokenLifetimeSec: expiry.get<number>('user_access_token') ?? 3600,
      refreshTokenLifetimeSec: expiry.get<number>('refresh_token') ?? 86400,
      authorizationCodeLifetimeSec: expiry.get<number>('authorization_code') ?? 300,
      cleanup: {
        enabled: cleanup.get<boolean>('enable') ?? true,
        intervalSec: cleanup.get<number>('interval') ?? 300,
        retentionSec: cleanup.get<number>('retention') ?? 3600,
        batchSize: cleanup.get<number>('batch_size') ?? 1000,
      },
      throttle: {
        enabled: throttle.get<boolean>('enable') ?? true,
        windowSec: throttle.get<number>('window') ?? 900,
        accountAddressMaxFailures: throttle.get<number>('account_address_max_failures') ?? 5,
        accountMaxFailures: throttle.get<number>('account_max_failures') ?? 20,
        addressMaxAccounts: throttle.get<number>('address_max_accounts') ?? 10,
        lockSec: throttle.get<number>('lock') ?? 30,
        maxLockSec: throttle.get<number>('max_lock') ?? 900,
      },
      multipleClientSecrets: {
        enabled: multipleSecrets.get<boolean>('enable') ?? true,
        secretCount: multipleSecrets.get<number>('secret_count') ?? 10,
      },
      idTokenLifetimeSec: expiry.get<number>('id_token') ?? 3600,
      deviceFlow: {
        expirySec: deviceFlow.get<number>('expiry_time') ?? 600,
        intervalSec: deviceFlow.get<number>('polling_interval') ?? 5,
      },
      trustedIssuers: trustedIssuers.filter((t): t is TrustedIssuerSettings => t !== undefined),
      wso2JwtIssuers: wso2JwtIssuers.filter((t): t is Wso2JwtIssuerSettings => t !== undefined),
    },
    cors: {
      allowedOrigins: (cors.get<string[]>('allowed_origins') ?? []).map((origin) => new URL(origin).origin),
      allowAnyOrigin: cors.get<boolean>('allow_any_origin') ?? false,
      maxAgeSec: cors.get<number>('max_age') ?? 3600,
    },
    devportal: {
      tokenCacheTtlSec: devportal.get<number>('token_cache_ttl') ?? 5,
      keyCacheTtlSec: devportal.get<number>('key_cache_ttl') ?? 5,
      keyManagerWaitSec: devportal.get<number>('key_manager_wait') ?? 60,
    },
    log: { level: layer('log').get<LogLevel>('level') ?? 'info' },
    observability: { tracing: tracingSettings(layer('observability.tracing'), service, context.env, issues) },
  };

  if (issues.all.length > 0) throw new ConfigError('CONFIG_INVALID', context.file, issues.all, `for ${service}`);
  return deepFreeze(config);
}

/** Where OTLP/HTTP collectors listen by default (the OpenTelemetry SDKs' default). */
const DEFAULT_OTLP_TRACES_ENDPOINT = 'http://localhost:4318/v1/traces';

/**
 * `[observability.tracing]`: each key from the file, else from the standard OpenTelemetry variable
 * (`OTEL_TRACES_EXPORTER=otlp` switches tracing on, `OTEL_SDK_DISABLED=true` off whatever the file says,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, `OTEL_SERVICE_NAME`,
 * `OTEL_TRACES_SAMPLER_ARG`), else the default. A variable with a bad value is refused like a bad key.
 */
function tracingSettings(tracing: Layer, service: ServiceName, env: NodeJS.ProcessEnv, issues: Issues): TracingSettings {
  const variable = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const exporter = variable('OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && !['otlp', 'none'].includes(exporter)) issues.add('OTEL_TRACES_EXPORTER', `is ${JSON.stringify(exporter)}`, '"otlp" or "none" (only OTLP/HTTP is built in)');
  const disabled = variable('OTEL_SDK_DISABLED');
  if (disabled !== undefined && !/^(true|false)$/i.test(disabled)) issues.add('OTEL_SDK_DISABLED', `is ${JSON.stringify(disabled)}`, 'true or false');
  const enabled = disabled?.toLowerCase() === 'true' ? false : (tracing.get<boolean>('enabled') ?? exporter === 'otlp');

  const base = variable('OTEL_EXPORTER_OTLP_ENDPOINT');
  const fromEnv = variable('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  const endpoint = tracing.get<string>('endpoint') ?? fromEnv ?? DEFAULT_OTLP_TRACES_ENDPOINT;
  if (tracing.get<string>('endpoint') === undefined && fromEnv !== undefined && !URL.canParse(fromEnv)) {
    issues.add(variable('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT', 'is set but is not a URL', 'an http:// or https:// URL of an OTLP/HTTP collector');
  }

  const ratioText = variable('OTEL_TRACES_SAMPLER_ARG');
  const ratioFromEnv = ratioText !== undefined ? Number(ratioText) : undefined;
  if (ratioFromEnv !== undefined && !(ratioFromEnv >= 0 && ratioFromEnv <= 1)) issues.add('OTEL_TRACES_SAMPLER_ARG', `is ${JSON.stringify(ratioText)}`, 'a number from 0 to 1');
  return {
    enabled,
    endpoint,
    serviceName: tracing.get<string>('service_name') ?? variable('OTEL_SERVICE_NAME') ?? service,
    sampleRatio: tracing.get<number>('sample_ratio') ?? ratioFromEnv ?? 1,
  };
}

/** Query parameters of a PostgreSQL URL that set TLS; node-postgres lets them override `ssl_mode`, so not both. */
const URL_TLS_PARAMETERS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslnegotiation', 'uselibpqcompat'];

/**
 * `[database] ssl_mode` and `ssl_ca_file`: the CA file must be readable and hold a certificate, and only
 * the modes that check the certificate may name one; `verify-ca` needs one (there is no other anchor it
 * could mean). With `ssl_mode` set, the URL may not set TLS too (its query would silently win).
 */
function databaseTlsSettings(
  database: Layer,
  url: string,
  folder: string,
  context: ResolveContext,
  issues: Issues,
): Pick<DeploymentConfig['database'], 'sslMode' | 'sslCaFile'> {
  const mode = database.get<DatabaseSslMode>('ssl_mode');
  const caFileSetting = database.get<string>('ssl_ca_file');
  const caFile = caFileSetting === undefined ? undefined : resolve(folder, caFileSetting);
  if (caFile !== undefined) {
    const problem = certificateFileProblem(caFile, context.files);
    if (problem) issues.add(database.keyOf('ssl_ca_file'), problem, 'a readable PEM file holding the certificate of the CA (or the self-signed certificate) that signed the database server\'s certificate');
    if (mode !== 'verify-ca' && mode !== 'verify-full') {
      issues.add(
        database.keyOf('ssl_ca_file'),
        mode === undefined ? 'is set, but ssl_mode is not' : `is set, but ssl_mode is "${mode}", which does not check the server's certificate`,
        'ssl_mode = "verify-full" (or "verify-ca") to check the server\'s certificate against this file, or no ssl_ca_file',
      );
    }
  } else if (mode === 'verify-ca') {
    issues.add(database.keyOf('ssl_mode'), 'is "verify-ca", but ssl_ca_file is not set', 'ssl_ca_file naming the CA to check the server\'s certificate against (verify-full without it trusts the system\'s CAs)');
  }
  if (mode !== undefined && url !== '') {
    const query = URL.canParse(url) ? [...new URL(url).searchParams.keys()].filter((name) => URL_TLS_PARAMETERS.includes(name.toLowerCase())) : [];
    if (query.length > 0) {
      issues.add(database.keyOf('url'), `sets ${query.join(', ')} in its query, and ssl_mode is set too`, 'TLS set in one place: ssl_mode and ssl_ca_file, and a URL without ssl parameters');
    }
  }
  return { ...(mode !== undefined ? { sslMode: mode } : {}), ...(caFile !== undefined ? { sslCaFile: caFile } : {}) };
}

/** Why a PEM certificate file cannot serve as a trust anchor, or undefined when it can. Names the file, never quotes it. */
function certificateFileProblem(file: string, files: ReadonlyMap<string, string> | undefined): string | undefined {
  let text: string;
  try {
    text = files?.get(file) ?? readFileSync(file, 'utf8');
  } catch (error) {
    return `names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`;
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return `names ${file}, which holds no PEM certificate`;
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      return `names ${file}, which holds a certificate that cannot be parsed`;
    }
  }
  return undefined;
}

/** The management port's distance from the public port when `[management] port` is not set (9443 → 9543). */
export const MANAGEMENT_PORT_OFFSET = 100;

/**
 * `[management]`: loopback and the public port + {@link MANAGEMENT_PORT_OFFSET} unless set. The port must
 * differ from the public one (one port cannot serve both answers). The CLI does not listen: port 0.
 */
function managementSettings(management: Layer, service: ServiceName, serverPort: number, issues: Issues): DeploymentConfig['management'] {
  const host = management.get<string>('host') ?? '127.0.0.1';
  if (service === 'cli') return { host, port: 0 };
  const port = management.get<number>('port');
  if (port === undefined) {
    const derived = serverPort + MANAGEMENT_PORT_OFFSET;
    if (derived <= 65535) return { host, port: derived };
    issues.add('management.port', `is not set, and the default (the server port ${serverPort} + ${MANAGEMENT_PORT_OFFSET}) is above 65535`, 'an integer from 1 to 65535, other than the server port');
    return { host, port: 0 };
  }
  if (port === serverPort) issues.add(management.keyOf('port'), `is ${port}, the server port too`, 'a port other than the server port (the public port must not serve metrics)');
  return { host, port };
}

/**
 * WSO2's token hashing, set by either of its names: API Manager's `[apim.oauth_config] enable_token_hashing`
 * or Identity Server's `[oauth] hash_tokens_and_secrets`. Both given must agree; and a secret is stored either
 * encrypted or hashed, never both.
 */
function tokenHashing(apim: boolean | undefined, identity: boolean | undefined, encryption: boolean, issues: Issues): boolean {
  if (apim !== undefined && identity !== undefined && apim !== identity) {
    issues.add(
      'oauth.hash_tokens_and_secrets',
      `is ${identity}, but [apim.oauth_config] enable_token_hashing is ${apim}`,
      'one of the two (they are two names for the same switch), or both with the same value',
    );
  }
  const hashing = apim ?? identity ?? false;
  if (hashing && encryption) {
    issues.add(
      apim !== undefined ? 'apim.oauth_config.enable_token_hashing' : 'oauth.hash_tokens_and_secrets',
      'is true, and so is [apim.oauth_config] enable_token_encryption',
      'one of them: a secret is stored either encrypted or as its hash only',
    );
  }
  return hashing;
}

/** Runs the section class's class-validator rules over one table; keeps the valid values. */
function validateTable(data: TableData, issues: Issues): void {
  const section = data.spec.section as new () => object;
  const keys = keysOf(section);
  const instance = plainToInstance(section, Object.fromEntries(data.raw), {
    excludeExtraneousValues: true,
    exposeUnsetFields: false,
  }) as Record<string, unknown>;
  const errors = validateSync(instance, { skipMissingProperties: true, stopAtFirstError: true, forbidUnknownValues: false });
  for (const error of errors) {
    const spec = keys.find((k) => k.property === error.property);
    if (!spec) continue;
    const problem = Object.values(error.constraints ?? {})[0] ?? 'is not valid';
    issues.add(join(data.key, spec.name), `${problem}${fromEnv(data.variables.get(spec.name))}`, spec.expected);
    data.reported.add(spec.name);
  }
  for (const spec of keys) {
    const value = instance[spec.property];
    if (value !== undefined && !data.reported.has(spec.name)) data.values.set(spec.name, value);
  }
}

/** A top-level table seen through one service's overlay: the overlay's value wins, key by key. */
class Layer {
  constructor(
    private readonly path: string,
    private readonly base: TableData | undefined,
    private readonly overlay: TableData | undefined,
    private readonly issues: Issues,
  ) {}

  get<T>(name: string): T | undefined {
    return (this.overlay?.values.get(name) ?? this.base?.values.get(name)) as T | undefined;
  }

  /** The key as written in the file where the value comes from, e.g. `devportal.management.port`. */
  keyOf(name: string): string {
    return join(this.overlay?.values.has(name) ? this.overlay.key : (this.base?.key ?? this.path), name);
  }

  /** The value, or an issue saying it is missing or empty (unless the key was reported already). */
  require<T>(name: string, because?: string): T | undefined {
    const spec = SCHEMA_KEYS.get(`${this.path}.${name}`)!;
    for (const data of [this.overlay, this.base]) {
      if (!data?.values.has(name)) continue;
      const empty = data.emptyVariables.get(name);
      if (empty) {
        this.issues.add(join(data.key, name), `uses ${references(empty)}, which is set but empty`, spec.expected);
        return undefined;
      }
      return data.values.get(name) as T;
    }
    if (this.overlay?.reported.has(name) || this.base?.reported.has(name)) return undefined;
    const reason = because ? ` (required because ${because})` : '';
    const blankIn = [this.overlay, this.base].find((data) => data?.blank.has(name));
    if (blankIn) {
      this.issues.add(join(blankIn.key, name), `is empty${fromEnv(blankIn.blank.get(name))}${reason}`, spec.expected);
    } else {
      this.issues.add(join(this.base?.key ?? this.path, name), `is missing${reason}`, spec.expected);
    }
    return undefined;
  }
}

const SCHEMA_KEYS = new Map(ALL_KEYS.map(({ table, key }) => [`${table}.${key.name}`, key]));

function keystore(data: TableData | undefined, key: string, folder: string, issues: Issues): KeystoreSettings | undefined {
  if (!data) {
    if (issues.has(key)) return undefined;
    issues.add(key, 'is missing', `a [${key}] table with file_name, type, password and alias (every service needs it)`);
    return undefined;
  }
  const entry = new Layer('keystore.primary', data, undefined, issues);
  const fileName = entry.require<string>('file_name');
  const password = entry.require<string>('password');
  const alias = entry.require<string>('alias');
  if (fileName === undefined || password === undefined || alias === undefined) return undefined;
  return {
    file: resolve(folder, fileName),
    // WSO2 ships both kinds; the extension is the best guess when the type is left out.
    type: entry.get<'PKCS12' | 'JKS'>('type') ?? (fileName.toLowerCase().endsWith('.jks') ? 'JKS' : 'PKCS12'),
    password,
    alias,
    keyPassword: entry.get<string>('key_password') ?? password,
  };
}

function trustedIssuer(data: TableData, folder: string, issues: Issues): TrustedIssuerSettings | undefined {
  const entry = new Layer('oauth.trusted_issuer', data, undefined, issues);
  const name = entry.require<string>('name');
  const issuer = entry.require<string>('issuer');
  const jwksUri = entry.get<string>('jwks_uri');
  const certificate = entry.get<string>('certificate');
  if ((jwksUri === undefined) === (certificate === undefined) && !data.reported.has('jwks_uri') && !data.reported.has('certificate')) {
    issues.add(
      `${data.key}.${jwksUri === undefined ? 'jwks_uri' : 'certificate'}`,
      jwksUri === undefined ? 'is missing (and so is certificate)' : 'is set together with certificate',
      'exactly one of jwks_uri (the issuer\'s JWKS URL) and certificate (a PEM file) to verify its signatures',
    );
    return undefined;
  }
  if (name === undefined || issuer === undefined) return undefined;
  return {
    name,
    issuer,
    ...(jwksUri !== undefined ? { jwksUri } : {}),
    ...(certificate !== undefined ? { certificateFile: resolve(folder, certificate) } : {}),
    audiences: entry.get<string[]>('audiences') ?? [],
    subjects: entry.get<'local' | 'federated'>('subjects') ?? 'local',
  };
}

function wso2JwtIssuer(data: TableData, folder: string, issues: Issues): Wso2JwtIssuerSettings | undefined {
  const entry = new Layer('oauth.wso2_jwt_issuer', data, undefined, issues);
  const issuer = entry.require<string>('issuer');
  const certificate = entry.require<string>('certificate');
  if (issuer === undefined || certificate === undefined) return undefined;
  return { issuer, certificateFile: resolve(folder, certificate) };
}

function reportDuplicateIssuers(settings: ReadonlyArray<TrustedIssuerSettings | undefined>, data: readonly TableData[], issues: Issues): void {
  for (const field of ['name', 'issuer'] as const) {
    const seen = new Map<string, string>();
    settings.forEach((entry, index) => {
      if (!entry) return;
      const first = seen.get(entry[field]);
      if (first) issues.add(`${data[index]!.key}.${field}`, `is the same as in ${first}`, `each [[oauth.trusted_issuer]] to have its own ${field}`);
      else seen.set(entry[field], data[index]!.key);
    });
  }
}

function reportDuplicateKeystores(keystores: ReadonlyArray<KeystoreSettings | undefined>, keys: readonly string[], issues: Issues): void {
  const seen = new Map<string, string>();
  keystores.forEach((settings, index) => {
    if (!settings) return;
    const identity = `${settings.file}\0${settings.alias}`;
    const first = seen.get(identity);
    if (first) {
      issues.add(keys[index]!, `is the same keystore file and alias as ${first}`, 'each keystore entry to name a different file or alias');
    } else {
      seen.set(identity, keys[index]!);
    }
  });
}

function flatten(prefix: string, table: Document): string[] {
  return Object.entries(table).flatMap(([name, value]) =>
    isTable(value) ? flatten(`${prefix}.${name}`, value) : [`${prefix}.${name}`],
  );
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
