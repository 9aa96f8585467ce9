import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { AuthThrottle } from './auth-throttle.service.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks the `[super_admin]` credentials, in constant time (fixed-length digests, both parts always
 * compared), under the authentication throttle.
 */
@Injectable()
export class AdminAuthenticator {
  private readonly username: string;
  private readonly usernameDigest: Buffer;
  private readonly passwordDigest: Buffer;

  constructor(
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
    private readonly throttle: AuthThrottle,
  ) {
    this.username = config.superAdmin.username;
    this.usernameDigest = digest(config.superAdmin.username);
    this.passwordDigest = digest(config.superAdmin.password);
  }

  /** Whether a Basic user name names the super admin (then its password decides; it is never a client id). */
  isAdminName(username: string): boolean {
    return this.username !== '' && username === this.username;
  }

  /**
   * Whether these are the super admin's credentials. `address`: the caller's.
   *
   * @throws AuthThrottledError while a throttle counter of the attempt is locked.
   */
  async authenticate(username: string, password: string, address: string): Promise<boolean> {
    const ok = await this.throttle.verify({ kind: 'admin', account: username, address }, async () => (this.matches(username, password) ? true : undefined), { alongside: true });
    return ok === true;
  }

  private matches(username: string, password: string): boolean {
    const nameOk = timingSafeEqual(digest(username), this.usernameDigest);
    const passwordOk = timingSafeEqual(digest(password), this.passwordDigest);
    return this.username !== '' && nameOk && passwordOk;
  }
}
