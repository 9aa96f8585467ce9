import type { INestApplication } from '@nestjs/common';
import type { DestinationStream, Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { createRootLogger, drainService, ManagementServer, ProcessIdentity, type BusOption } from '@app/platform';
import { startDevportal } from '../../devportal/src/devportal.bootstrap.js';
import { startKeyManager } from '../../key-manager/src/key-manager.bootstrap.js';

export interface ServiceConfigs {
  keyManager: DeploymentConfig;
  devportal: DeploymentConfig;
}

/** Tracing of the services in this process (`startServicesTracing` of `@app/telemetry`), when it is on. */
export interface ServicesTracingOption {
  /** Each service's instance id, as its spans name it. */
  instanceIds: Record<'key-manager' | 'devportal', string>;
  runAs<T>(service: string, work: () => T): T;
}

export interface RunningServices {
  /** Where each service's management port listens (`/metrics`, readiness details). */
  managementUrls: { keyManager: string; devportal: string };
  /**
   * Stops as each service stops on its own SIGTERM: both report not ready and stop taking connections at
   * once, and finish the requests under way within their `[server] shutdown_timeout`; then the portal
   * closes, then the Key Manager (the portal's requests call it until they are done).
   */
  stop(): Promise<void>;
}

/**
 * Starts the Key Manager and then the Developer Portal in this process, each with its own configuration,
 * identity and logger, on the given bus. With the in-process bus, the Key Manager registers its handlers
 * on it before the portal starts and asks for them.
 */
export async function startServices(
  configs: ServiceConfigs,
  bus: BusOption,
  logDestination?: (service: 'key-manager' | 'devportal') => DestinationStream,
  tracing?: ServicesTracingOption,
): Promise<RunningServices> {
  const runAs = <T>(service: 'key-manager' | 'devportal', work: () => T): T => (tracing ? tracing.runAs(service, work) : work());
  const loggerFor = (service: 'key-manager' | 'devportal', config: DeploymentConfig): { identity: ProcessIdentity; logger: Logger } => {
    const identity = new ProcessIdentity(service, tracing?.instanceIds[service]);
    const destination = logDestination?.(service);
    return { identity, logger: destination ? createRootLogger(config, identity, destination) : createRootLogger(config, identity) };
  };

  const km = loggerFor('key-manager', configs.keyManager);
  // Everything each service sets going (its servers, connections, timers) runs as its own: its spans are its.
  const keyManager: INestApplication = await runAs('key-manager', () => startKeyManager({ config: configs.keyManager, ...km, bus }));
  const portal = loggerFor('devportal', configs.devportal);
  let devportal: INestApplication;
  try {
    devportal = await runAs('devportal', () => startDevportal({ config: configs.devportal, ...portal, bus }));
  } catch (error) {
    await keyManager.close().catch(() => undefined);
    throw error;
  }

  return {
    managementUrls: { keyManager: keyManager.get(ManagementServer).url, devportal: devportal.get(ManagementServer).url },
    stop: async () => {
      try {
        const drained = await Promise.all([
          drainService(devportal, configs.devportal.server.shutdownTimeoutMs),
          drainService(keyManager, configs.keyManager.server.shutdownTimeoutMs),
        ]);
        portal.logger.info(drained[0], 'devportal HTTP port drained');
        km.logger.info(drained[1], 'key-manager HTTP port drained');
        await devportal.close();
      } finally {
        await keyManager.close();
        portal.logger.flush?.();
        km.logger.flush?.();
      }
    },
  };
}
