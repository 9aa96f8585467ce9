import { Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG, ROOT_LOGGER } from '../runtime/runtime.module.js';
import { loadEncryptionMaterial } from './encryption-material.js';
import { EncryptionControlService } from './encryption-control.service.js';
import { EncryptionMetrics } from './encryption.metrics.js';
import { EncryptionService } from './encryption.service.js';
import { StoredSecretsInspector } from './stored-secrets.inspector.js';

/**
 * Keystores and keys, opened once at start, and the check that every stored secret is readable.
 * Needs the database module (for the check), the metrics module (for the stored-values gauge) and the
 * messaging module (the control plane listens for `cli encryption rollout` on NATS).
 */
@Global()
@Module({
  providers: [
    {
      provide: EncryptionService,
      inject: [DEPLOYMENT_CONFIG, ROOT_LOGGER],
      useFactory: async (config: DeploymentConfig, logger: Logger) => new EncryptionService(await loadEncryptionMaterial(config, logger)),
    },
    StoredSecretsInspector,
    EncryptionMetrics,
    EncryptionControlService,
  ],
  exports: [EncryptionService, StoredSecretsInspector, EncryptionControlService],
})
export class EncryptionModule {}
