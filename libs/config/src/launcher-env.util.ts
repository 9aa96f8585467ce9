import { ConfigError } from './config.error.js';
import type { LauncherEnv } from './config.types.js';

/**
 * The few environment variables the development launcher (`npm start`) honours, read in one place so that
 * no other code touches `process.env`. Empty variables count as unset.
 *
 * @throws {@link ConfigError} `CONFIG_INVALID` when `PORT` is not a port number.
 * @example
 * ```ts
 * const { deploymentConfig, databaseUrl, natsUrl, port } = readLauncherEnv();
 * ```
 */
export function readLauncherEnv(env: NodeJS.ProcessEnv = process.env): LauncherEnv {
  const value = (name: string) => (env[name] ? env[name] : undefined);
  const result: LauncherEnv = {};
  const deploymentConfig = value('DEPLOYMENT_CONFIG');
  const databaseUrl = value('DATABASE_URL');
  const natsUrl = value('NATS_URL');
  const port = value('PORT');
  if (deploymentConfig !== undefined) result.deploymentConfig = deploymentConfig;
  if (databaseUrl !== undefined) result.databaseUrl = databaseUrl;
  if (natsUrl !== undefined) result.natsUrl = natsUrl;
  if (port !== undefined) {
    const parsed = /^\d+$/.test(port.trim()) ? Number(port.trim()) : NaN;
    if (!(parsed >= 1 && parsed <= 65535)) {
      throw new ConfigError('CONFIG_INVALID', undefined, [
        { key: 'PORT', problem: `is ${JSON.stringify(port.slice(0, 20))}`, expected: 'an integer from 1 to 65535' },
      ]);
    }
    result.port = parsed;
  }
  return result;
}
