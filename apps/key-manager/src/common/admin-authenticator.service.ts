import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Checks the `[super_admin]` credentials, in constant time (fixed-length digests, both parts always compared). */
@Injectable()
export class AdminAuthenticator {
  private readonly username: string;
  private readonly usernameDigest: Buffer;
  private readonly passwordDigest: Buffer;

  constructor(@Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig) {
    this.username = config.superAdmin.username;
    this.usernameDigest = digest(config.superAdmin.username);
    this.passwordDigest = digest(config.superAdmin.password);
  }

  /** Whether a Basic user name names the super admin (then its password decides; it is never a client id). */
  isAdminName(username: string): boolean {
    return this.username !== '' && username === this.username;
  }

  verify(username: string, password: string): boolean {
    const nameOk = timingSafeEqual(digest(username), this.usernameDigest);
    const passwordOk = timingSafeEqual(digest(password), this.passwordDigest);
    return this.username !== '' && nameOk && passwordOk;
  }
}
