import { randomBytes } from 'node:crypto';
import { loadConfigOrExit, type DeploymentConfig } from '@app/config';
import { startTracing, type Tracing } from './tracing.js';

/** What a service's `main` hands to `runServiceMain`: loaded before the service itself is imported. */
export interface PreparedService {
  config: DeploymentConfig;
  /** The process's instance id (`<service>-<8 hex>`), the same in logs, bus envelopes and spans. */
  instanceId: string;
  /** Present when tracing is on; shut down (flushed) when the service stops. */
  tracing?: Tracing;
}

/**
 * The first step of a service's `main`: load and validate `deployment.toml` (exit 78 when bad) and start
 * tracing when it is on — before the service's modules are imported, so the instrumentations see `http`
 * and `pg` load. The caller imports the service afterwards (dynamic `import()`).
 */
export async function prepareService(service: 'key-manager' | 'devportal'): Promise<PreparedService> {
  const config = loadConfigOrExit({ service });
  const instanceId = `${service}-${randomBytes(4).toString('hex')}`;
  const tracing = await startTracing(config.observability.tracing, { instanceId });
  return { config, instanceId, ...(tracing ? { tracing } : {}) };
}
