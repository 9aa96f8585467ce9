import type { INestApplication } from '@nestjs/common';
import { loadConfig, type DeploymentConfig, type LogLevel } from '@app/config';
import { createRootLogger, ManagementServer, ProcessIdentity } from '@app/platform';
import { startDevportal } from '../../apps/devportal/src/devportal.bootstrap.js';
import { freePort } from './free-port.js';
import { encryptionTables, startKeyManagerForTest, type EncryptionMode, type KeyManagerUnderTest } from './key-manager.harness.js';
import type { LogCapture } from './log-capture.js';
import { startPrivateNats } from './private-nats.js';
import { makeTempDir, mergeTables, writeTestConfig, type TomlTables } from './test-config.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './test-database.js';
import { createTestKeystore, type TestKeystore } from './test-keystore.js';

/** The Developer Portal API's base path. */
export const DEVPORTAL_API = '/api/am/devportal/v3';

/** Where the portal of a test listens and keeps its tables, as `[devportal.*]` overlay tables of a deployment.toml. */
export interface DevportalOverlay {
  port: number;
  schema: string;
  baseUrl: string;
  tables: TomlTables;
}

export interface DevportalOverlayOptions {
  /** `[devportal] key_manager_wait`; default 20 s. */
  keyManagerWaitSec?: number;
  /** `[devportal] token_cache_ttl`; default 5 s (the product default). */
  tokenCacheTtlSec?: number;
  /** `[devportal] key_cache_ttl`; default 5 s (the product default). */
  keyCacheTtlSec?: number;
  logLevel?: LogLevel;
}

/**
 * Picks a free port and a fresh schema for the portal and returns the overlay tables that give them to
 * it, so one deployment.toml serves both services of a test (the Key Manager uses the top-level tables).
 */
export async function devportalOverlay(options: DevportalOverlayOptions = {}): Promise<DevportalOverlay> {
  const port = await freePort();
  const managementPort = await freePort();
  const schema = uniqueSchema('dp_t');
  const baseUrl = `http://127.0.0.1:${port}`;
  const tables: TomlTables = {
    devportal: {
      key_manager_wait: options.keyManagerWaitSec ?? 20,
      token_cache_ttl: options.tokenCacheTtlSec ?? 5,
      key_cache_ttl: options.keyCacheTtlSec ?? 5,
    },
    'devportal.server': { host: '127.0.0.1', port, public_url: baseUrl },
    'devportal.management': { port: managementPort },
    'devportal.database': { schema, pool_size: 4 },
    ...(options.logLevel ? { 'devportal.log': { level: options.logLevel } } : {}),
  };
  return { port, schema, baseUrl, tables };
}

export interface DevportalUnderTest {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** `baseUrl` + the API base path. */
  apiUrl: string;
  /** The management port (`/metrics`, the detailed `/health/ready`). */
  managementUrl: string;
  config: DeploymentConfig;
  app: INestApplication;
  schema: string;
  /** Stops the portal; drops its schema unless `keepSchema`. */
  stop(options?: { keepSchema?: boolean }): Promise<void>;
}

/**
 * Starts the real portal (`startDevportal`, on NATS) from a deployment.toml written for the test. The
 * config is loaded by the real loader with an empty environment. When start-up fails the schema is
 * dropped and the error is rethrown, for tests of refused starts.
 */
export async function startDevportalForTest(options: { configFile: string; logs?: LogCapture }): Promise<DevportalUnderTest> {
  const config = loadConfig({ service: 'devportal', file: options.configFile, env: {} });
  const identity = new ProcessIdentity('devportal');
  const logger = createRootLogger(config, identity, options.logs?.stream);
  const schema = config.database.schema;
  let app: INestApplication;
  try {
    app = await startDevportal({ config, identity, logger, bus: { kind: 'nats' } });
  } catch (error) {
    await dropSchema(schema).catch(() => undefined);
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${config.server.port}`;
  return {
    baseUrl,
    apiUrl: `${baseUrl}${DEVPORTAL_API}`,
    managementUrl: app.get(ManagementServer).url,
    config,
    app,
    schema,
    stop: async ({ keepSchema = false } = {}) => {
      await app.close();
      if (!keepSchema) await dropSchema(schema);
    },
  };
}

/**
 * Writes a deployment.toml for the portal alone (for tests where the portal must differ from the Key
 * Manager, which has its own file). Same shape as the Key Manager harness's file.
 */
export async function writeDevportalOnlyConfig(options: {
  dir: string;
  keystore: TestKeystore;
  encryption: EncryptionMode;
  nats: string;
  overlay: DevportalOverlay;
  name: string;
  toml?: TomlTables;
}): Promise<string> {
  const tables = mergeTables(
    {
      server: { host: '127.0.0.1' },
      database: { url: TEST_DATABASE_URL },
      'transport.nats': { servers: [options.nats], request_timeout: 3000 },
      'keystore.primary': { file_name: options.keystore.file, type: options.keystore.type, password: options.keystore.password, alias: options.keystore.alias },
      log: { level: 'warn' },
    },
    encryptionTables(options.encryption),
    options.overlay.tables,
    options.toml,
  );
  const config = await writeTestConfig(options.dir, 'devportal', tables, options.name);
  return config.file;
}

export interface StackUnderTest {
  keyManager: KeyManagerUnderTest;
  devportal: DevportalUnderTest;
  /** The one deployment.toml both services loaded. */
  configFile: string;
  /** Stops the portal, then the Key Manager, and drops both schemas. */
  stop(): Promise<void>;
}

/**
 * The Key Manager and the portal on one NATS, from ONE deployment.toml (the portal's port and schema come
 * from `[devportal.*]` overlays), as a deployment runs them.
 */
export async function startStackForTest(options: {
  dir: string;
  keystore: TestKeystore;
  encryption: EncryptionMode;
  nats: string;
  devportal?: DevportalOverlayOptions;
  toml?: TomlTables;
  logs?: { keyManager?: LogCapture; devportal?: LogCapture };
}): Promise<StackUnderTest> {
  const overlay = await devportalOverlay(options.devportal);
  const keyManager = await startKeyManagerForTest({
    dir: options.dir,
    keystore: options.keystore,
    encryption: options.encryption,
    nats: options.nats,
    toml: mergeTables(overlay.tables, options.toml),
    ...(options.logs?.keyManager ? { logs: options.logs.keyManager, logLevel: 'info' as const } : {}),
  });
  let devportal: DevportalUnderTest;
  try {
    devportal = await startDevportalForTest({ configFile: keyManager.config.file, ...(options.logs?.devportal ? { logs: options.logs.devportal } : {}) });
  } catch (error) {
    await keyManager.stop();
    throw error;
  }
  return {
    keyManager,
    devportal,
    configFile: keyManager.config.file,
    stop: async () => {
      await devportal.stop().finally(() => keyManager.stop());
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON (undefined for an empty body). */
  body: T;
  text: string;
}

export interface ApiCallOptions {
  token?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (with `headers` choosing the content type). */
  raw?: string;
  headers?: Record<string, string>;
}

/** A tiny client of the portal API: `call('POST', '/applications', { token, json })`. */
export function devportalApi(apiUrl: string) {
  return async function call<T = unknown>(method: string, path: string, options: ApiCallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const response = await fetch(`${apiUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
}

/** Signs a user up and logs in; returns the portal access token. */
export async function signUpAndLogIn(apiUrl: string, username: string, password: string): Promise<string> {
  const call = devportalApi(apiUrl);
  const signup = await call('POST', '/signup', { json: { username, password } });
  if (signup.status !== 201) throw new Error(`signup of ${username} answered ${signup.status}: ${signup.text}`);
  const login = await call<{ access_token: string }>('POST', '/login', { json: { username, password } });
  if (login.status !== 200) throw new Error(`login of ${username} answered ${login.status}: ${login.text}`);
  return login.body.access_token;
}

export interface TwoPortalsUnderTest {
  keyManager: KeyManagerUnderTest;
  a: DevportalUnderTest;
  b: DevportalUnderTest;
  /** Stops both instances, the Key Manager and NATS, drops their schemas and removes the directory. */
  stop(): Promise<void>;
}

/**
 * A private NATS server, a Key Manager and two instances of one portal deployment on it: one schema, each
 * instance with its own NATS connection and caches (each its own deployment.toml, plaintext storage), for
 * tests of what one instance's change does to the other.
 */
export async function startTwoPortalsForTest(options: { devportal?: DevportalOverlayOptions } = {}): Promise<TwoPortalsUnderTest> {
  // Undone in reverse order by stop(), or at once when a start fails.
  const undo: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  try {
    const tmp = await makeTempDir('dp-two-');
    undo.push(tmp.remove);
    const keystore = await createTestKeystore(tmp.dir);
    const nats = await startPrivateNats();
    undo.push(() => nats.stop());
    const keyManager = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url });
    undo.push(() => keyManager.stop());
    const overlayA = await devportalOverlay(options.devportal);
    const overlayB = await devportalOverlay(options.devportal);
    // One deployment: both instances keep their tables in the same schema.
    overlayB.tables['devportal.database'] = { ...overlayB.tables['devportal.database'], schema: overlayA.schema };
    const common = { dir: tmp.dir, keystore, encryption: 'off' as const, nats: nats.url };
    const a = await startDevportalForTest({ configFile: await writeDevportalOnlyConfig({ ...common, overlay: overlayA, name: 'portal-a.toml' }) });
    undo.push(() => a.stop());
    const b = await startDevportalForTest({ configFile: await writeDevportalOnlyConfig({ ...common, overlay: overlayB, name: 'portal-b.toml' }) });
    undo.push(() => b.stop({ keepSchema: true }));
    return { keyManager, a, b, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
