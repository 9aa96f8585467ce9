import { Module } from '@nestjs/common';
import { REFUSED_CREDENTIAL_REPORTER, type RefusedCredentialReporter } from '@app/platform';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { AdminAuthenticator } from './admin-authenticator.service.js';
import { AuthThrottle } from './auth-throttle.service.js';
import { KeyManagerMetrics } from './key-manager.metrics.js';

/**
 * A credential the input guard refused (a NUL in a password, a control character in a client id) is a
 * failed attempt like a wrong password: counted by the throttle, and refused with 429 once locked. Basic
 * credentials at the DCR API are the super admin's.
 */
function refusedCredentialReporter(throttle: AuthThrottle): RefusedCredentialReporter {
  return async ({ kind, account, address, path }) => {
    const admin = kind === 'client' && path.startsWith('/keymanager-operations/');
    await throttle.verify({ kind: admin ? 'admin' : kind, account, address }, async () => undefined);
  };
}

/** Cross-feature pieces: the Key Manager's metrics, the authentication throttle, super-admin checks. */
@Module({
  imports: [PersistenceModule],
  providers: [
    KeyManagerMetrics,
    AuthThrottle,
    AdminAuthenticator,
    { provide: REFUSED_CREDENTIAL_REPORTER, useFactory: refusedCredentialReporter, inject: [AuthThrottle] },
  ],
  exports: [KeyManagerMetrics, AuthThrottle, AdminAuthenticator, REFUSED_CREDENTIAL_REPORTER],
})
export class KeyManagerCommonModule {}
