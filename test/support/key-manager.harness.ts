import type { INestApplication } from '@nestjs/common';
import type { DeploymentConfig, LogLevel } from '@app/config';
import { createRootLogger, InProcessBus, ManagementServer, ProcessIdentity } from '@app/platform';
import { startKeyManager } from '../../apps/key-manager/src/key-manager.bootstrap.js';
import { freePort } from './free-port.js';
import type { LogCapture } from './log-capture.js';
import { mergeTables, writeTestConfig, type TomlTables } from './test-config.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './test-database.js';
import type { TestKeystore } from './test-keystore.js';

/** How the service stores secrets in a test: WSO2's settings — plaintext, encrypted (two ways), or hashed. */
export type EncryptionMode = 'off' | 'rsa-oaep' | 'aes-gcm' | 'hashing';

export const ENCRYPTION_MODES: readonly EncryptionMode[] = ['off', 'rsa-oaep', 'aes-gcm', 'hashing'];

/** A 256-bit AES key (64 hex digits) for `[encryption] key` in tests. */
export const TEST_SYMMETRIC_KEY = '8f2c1d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d';

export const TEST_ADMIN = { username: 'admin', password: 'admin-password-1' } as const;

/** The TOML tables that switch a mode on (`[apim.oauth_config]`, `[system.parameter]`, `[encryption]`). */
export function encryptionTables(mode: EncryptionMode): TomlTables {
  switch (mode) {
    case 'off':
      return { 'apim.oauth_config': { enable_token_encryption: false } };
    case 'rsa-oaep':
      return { 'apim.oauth_config': { enable_token_encryption: true } };
    case 'aes-gcm':
      return {
        'apim.oauth_config': { enable_token_encryption: true },
        'system.parameter': { 'org.wso2.CipherTransformation': 'AES/GCM/NoPadding' },
        encryption: { key: TEST_SYMMETRIC_KEY },
      };
    case 'hashing':
      return { 'apim.oauth_config': { enable_token_encryption: false, enable_token_hashing: true } };
  }
}

export interface KeyManagerTestOptions {
  /** Folder for deployment.toml (a temp dir the test owns). */
  dir: string;
  keystore: TestKeystore;
  encryption?: EncryptionMode;
  /** `nats://…` of a server the test owns (see startPrivateNats), or the in-process bus. */
  nats: string | 'in-process';
  /** Tables merged over the defaults, e.g. `{ 'oauth.auth_throttle': { account_address_max_failures: 3 } }`. */
  toml?: TomlTables;
  /** Reuse a schema (e.g. to restart on the same data); a fresh one otherwise. */
  schema?: string;
  logLevel?: LogLevel;
  logs?: LogCapture;
  /** Name of the config file (several configs in one dir). */
  configName?: string;
}

export interface KeyManagerUnderTest {
  baseUrl: string;
  /** The management port (`/metrics`, the detailed `/health/ready`): `http://127.0.0.1:<port>`. */
  managementUrl: string;
  config: DeploymentConfig;
  app: INestApplication;
  schema: string;
  admin: typeof TEST_ADMIN;
  /** Stops the service; drops the schema unless `keepSchema`. */
  stop(options?: { keepSchema?: boolean }): Promise<void>;
}

/**
 * Starts the real Key Manager (`startKeyManager`) on a free port, in its own schema of the local
 * Postgres, with a deployment.toml written for the test and loaded by the real config loader.
 */
export async function startKeyManagerForTest(options: KeyManagerTestOptions): Promise<KeyManagerUnderTest> {
  const port = await freePort();
  const managementPort = await freePort();
  const schema = options.schema ?? uniqueSchema('km_t');
  const baseUrl = `http://127.0.0.1:${port}`;
  const tables = mergeTables(
    {
      server: { host: '127.0.0.1', port, public_url: baseUrl },
      management: { host: '127.0.0.1', port: managementPort },
      database: { url: TEST_DATABASE_URL, schema, pool_size: 4 },
      'transport.nats': { servers: [options.nats === 'in-process' ? 'nats://127.0.0.1:4222' : options.nats], request_timeout: 3000 },
      'keystore.primary': { file_name: options.keystore.file, type: options.keystore.type, password: options.keystore.password, alias: options.keystore.alias },
      super_admin: { ...TEST_ADMIN },
      'oauth.auth_throttle': { account_address_max_failures: 1000, account_max_failures: 1000, address_max_accounts: 1000 },
      'oauth.token_cleanup': { enable: false },
      log: { level: options.logLevel ?? 'warn' },
    },
    encryptionTables(options.encryption ?? 'off'),
    options.toml,
  );
  const config = await writeTestConfig(options.dir, 'key-manager', tables, options.configName);
  const identity = new ProcessIdentity('key-manager');
  const logger = createRootLogger(config, identity, options.logs?.stream);
  const bus = options.nats === 'in-process' ? ({ kind: 'in-process', bus: new InProcessBus() } as const) : ({ kind: 'nats' } as const);
  let app: INestApplication;
  try {
    app = await startKeyManager({ config, identity, logger, bus });
  } catch (error) {
    if (!options.schema) await dropSchema(schema).catch(() => undefined);
    throw error;
  }
  return {
    baseUrl,
    managementUrl: app.get(ManagementServer).url,
    config,
    app,
    schema,
    admin: TEST_ADMIN,
    stop: async ({ keepSchema = false } = {}) => {
      await app.close();
      if (!keepSchema) await dropSchema(schema);
    },
  };
}
