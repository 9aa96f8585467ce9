import type { DeploymentConfig } from '@app/config';
import { DEVPORTAL_CLIENT_ID } from '@app/contracts';

/**
 * Names no user may take, in lower case: `admin`, the configured super admin's name, and the system
 * clients' ids. A user token's `sub` is its user name and a client_credentials token's `sub` its client id
 * (RFC 9068 §5): a user named like a client would get that client's subject. Every other client id is
 * checked against the user store when a user signs up, and every user name when a client is registered with
 * an id of its choosing (see docs/security.md, "Subjects").
 */
export function reservedUserNames(config: DeploymentConfig): ReadonlySet<string> {
  return new Set(['admin', config.superAdmin.username, DEVPORTAL_CLIENT_ID].filter((n) => n !== '').map((n) => n.toLowerCase()));
}
