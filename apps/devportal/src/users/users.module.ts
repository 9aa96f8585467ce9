import { Module } from '@nestjs/common';
import { KeyManagerPatterns, RpcErrorCodes } from '@app/contracts';
import { KeyManagerCallError, KeyManagerClient, REFUSED_CREDENTIAL_REPORTER, type RefusedCredentialReporter } from '@app/platform';
import { AuthModule } from '../auth/auth.module.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/**
 * A log-in the portal's input guard refused (a NUL in the user name or password) goes on to the Key Manager
 * as a log-in with a password it refuses unchecked, so that its throttle counts the attempt as it counts a
 * wrong password; when the account or address is locked out, the Key Manager's THROTTLED becomes the answer
 * (429) instead of the 401.
 */
function refusedLogInReporter(keyManager: KeyManagerClient): RefusedCredentialReporter {
  return async ({ kind, account, address }) => {
    if (kind !== 'user') return;
    await keyManager
      .call(KeyManagerPatterns.UserAuthenticate, { username: account, password: '\u0000', ...(address !== undefined ? { sourceAddress: address } : {}) })
      .catch((error: unknown) => {
        if (error instanceof KeyManagerCallError && error.code === RpcErrorCodes.Throttled) throw error;
      });
  };
}

/** Sign-up, log-in, its renewal and log-out, all served by the Key Manager. */
@Module({
  imports: [AuthModule],
  controllers: [UsersController],
  providers: [UsersService, { provide: REFUSED_CREDENTIAL_REPORTER, useFactory: refusedLogInReporter, inject: [KeyManagerClient] }],
})
export class UsersModule {}
