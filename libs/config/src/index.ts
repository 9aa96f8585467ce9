/**
 * `@app/config`: reads `deployment.toml` once, validates it and hands each service its typed view.
 * Nothing else in the code base reads the file or `process.env`.
 *
 * @example
 * ```ts
 * import { loadConfigOrExit } from '@app/config';
 * const config = loadConfigOrExit({ service: 'key-manager' });
 * ```
 * @packageDocumentation
 */
export { ConfigError, type ConfigErrorCode } from './config.error.js';
export { EX_CONFIG, loadConfig, loadConfigFor, loadConfigOrExit, reloadConfig } from './config.loader.js';
export type {
  AuthThrottleSettings,
  ConfigIssue,
  DatabaseSslMode,
  DeploymentConfig,
  KeystoreSettings,
  LauncherEnv,
  LoadConfigOptions,
  LogLevel,
  ServiceName,
  TracingSettings,
  TrustedIssuerSettings,
  Wso2JwtIssuerSettings,
} from './config.types.js';
export { DATABASE_SSL_MODES } from './config.types.js';
export { readLauncherEnv } from './launcher-env.util.js';
