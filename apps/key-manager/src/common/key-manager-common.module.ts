import { Module } from '@nestjs/common';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { AdminAuthenticator } from './admin-authenticator.service.js';
import { AuthThrottle } from './auth-throttle.service.js';
import { KeyManagerMetrics } from './key-manager.metrics.js';

/** Cross-feature pieces: the Key Manager's metrics, the authentication throttle, super-admin checks. */
@Module({
  imports: [PersistenceModule],
  providers: [KeyManagerMetrics, AuthThrottle, AdminAuthenticator],
  exports: [KeyManagerMetrics, AuthThrottle, AdminAuthenticator],
})
export class KeyManagerCommonModule {}
