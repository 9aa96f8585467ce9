import { Inject, Injectable } from '@nestjs/common';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { randomUUID } from 'node:crypto';
import { USERNAME_PATTERN, type UserView } from '@app/contracts';
import { AuthThrottle } from '../common/auth-throttle.service.js';
import { KeyManagerError } from '../common/key-manager.errors.js';
import { reservedUserNames } from '../common/subject-names.util.js';
import { UsersRepository } from '../persistence/users.repository.js';
import { PasswordHasher } from './password-hasher.service.js';
import { passwordPolicyProblem } from './password-policy.util.js';

/** An authenticated user of the Key Manager's user store. */
export interface AuthenticatedUser {
  username: string;
}

/** Sign-up and log-in against the Key Manager's own user store. */
@Injectable()
export class UsersService {
  private readonly reserved: ReadonlySet<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: AuthThrottle,
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
  ) {
    this.reserved = reservedUserNames(config);
  }

  async create(username: string, password: string, now = new Date()): Promise<UserView> {
    if (!USERNAME_PATTERN.test(username)) {
      throw new KeyManagerError('INVALID_REQUEST', 'username must be 3-64 characters: letters, digits, . _ @ -');
    }
    // A reserved name, a client's id (the insert checks) and another user's name are all simply "taken".
    const taken = new KeyManagerError('USER_EXISTS', `the user name ${username} is taken`);
    if (this.reserved.has(username.toLowerCase())) throw taken;
    const problem = passwordPolicyProblem(username, password);
    if (problem) throw new KeyManagerError('WEAK_PASSWORD', problem);
    const created = await this.users.insert({ id: randomUUID(), username, passwordHash: await this.hasher.hash(password), createdAt: now });
    if (!created) throw taken;
    return { username, createdAt: now.toISOString() };
  }

  /** The user of this name (any case), as stored; undefined when there is none. */
  async find(username: string): Promise<AuthenticatedUser | undefined> {
    const user = username.length <= 64 ? await this.users.findByUsername(username) : undefined;
    return user ? { username: user.username } : undefined;
  }

  /**
   * The user when the password is right; undefined otherwise (unknown name and wrong password look alike).
   * Every password check goes through here, so through the authentication throttle: `address` is the
   * caller's (undefined when it is not known, e.g. a bus caller that did not send one).
   *
   * @throws AuthThrottledError while a throttle counter of the attempt is locked (the password is not checked).
   */
  verify(username: string, password: string, address: string | undefined): Promise<AuthenticatedUser | undefined> {
    return this.throttle.verify({ kind: 'user', account: username, address }, async () => {
      const user = username.length <= 64 ? await this.users.findByUsername(username) : undefined;
      if (!user) return this.hasher.verifyDecoy(password).then(() => undefined);
      return (await this.hasher.verify(password, user.passwordHash)) ? { username: user.username } : undefined;
    });
  }
}
