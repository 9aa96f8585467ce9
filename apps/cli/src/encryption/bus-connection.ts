import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { DeploymentConfig } from '@app/config';
import { natsLoginOptions } from '@app/platform';

/**
 * Connects to the deployment's NATS for one command, or resolves undefined when no server answers within
 * `timeoutMs` (the services may simply not be running; the caller decides whether that is fatal).
 */
export async function connectBus(config: DeploymentConfig, timeoutMs = 2000): Promise<NatsConnection | undefined> {
  try {
    return await connect({
      servers: config.nats.servers,
      name: 'token-encryption-cli',
      timeout: timeoutMs,
      reconnect: false,
      ...natsLoginOptions(config),
    });
  } catch {
    return undefined;
  }
}
