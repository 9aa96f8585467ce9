import type { DeploymentConfig } from '@app/config';
import {
  connectNats,
  createRootLogger,
  DeploymentIdentity,
  EncryptionService,
  KeyManagerClient,
  loadEncryptionMaterial,
  MetricsRegistry,
  NatsRpcTransport,
  ProcessIdentity,
} from '@app/platform';

export interface KeyManagerClientUnderTest {
  client: KeyManagerClient;
  close(): Promise<void>;
}

/**
 * A real `KeyManagerClient` (platform) for a test, as the Developer Portal builds it: its own NATS
 * connection to `config.nats.servers`, and the encryption profile of `config` — pass a config with other
 * encryption settings to act as a misconfigured peer.
 */
export async function createKeyManagerClientForTest(config: DeploymentConfig): Promise<KeyManagerClientUnderTest> {
  const identity = new ProcessIdentity('devportal');
  const logger = createRootLogger({ log: { level: 'fatal' } }, identity);
  const encryption = new EncryptionService(await loadEncryptionMaterial(config));
  const nc = await connectNats(config, identity.instanceId);
  const transport = new NatsRpcTransport(nc, config.nats.subjectPrefix);
  return {
    client: new KeyManagerClient(transport, encryption, identity, config, logger, new MetricsRegistry(identity), new DeploymentIdentity(identity, config, logger)),
    close: () => transport.close(),
  };
}
