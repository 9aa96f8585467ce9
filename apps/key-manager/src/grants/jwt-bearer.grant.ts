import { Injectable } from '@nestjs/common';
import { JWT_BEARER_GRANT } from '@app/contracts';
import { OAuthError } from '../common/key-manager.errors.js';
import type { ClientRecord } from '../persistence/clients.repository.js';
import { UsedAssertionsRepository } from '../persistence/used-assertions.repository.js';
import type { IssuedTokens } from '../tokens/token-minter.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import { UsersService } from '../users/users.service.js';
import { TrustedIssuers, type VerifiedJwt } from './trusted-issuers.service.js';

/** WSO2's JWTGrant IATValidityPeriod default: an assertion issued more than 30 minutes ago is refused. */
const MAX_ASSERTION_AGE_SEC = 30 * 60;
const MAX_SUBJECT_LENGTH = 255;

/**
 * Who a verified JWT speaks for: with `subjects = "local"` the user of this Key Manager its `sub` names (it
 * must exist); with `"federated"` an outside user, named `<issuer name>/<sub>` — no local user name contains
 * a `/`, so an outside subject can never pass for a local user.
 */
export async function subjectOf(verified: VerifiedJwt, users: UsersService, fail: (message: string) => OAuthError): Promise<string> {
  const { sub } = verified.claims;
  if (sub.length > MAX_SUBJECT_LENGTH) throw fail(`the JWT's subject is longer than ${MAX_SUBJECT_LENGTH} characters`);
  if (verified.issuer.subjects === 'federated') return `${verified.issuer.name}/${sub}`;
  const user = await users.find(sub);
  if (!user) throw fail('the JWT\'s subject is not a user of this Key Manager');
  return user.username;
}

/**
 * RFC 7523 §2.1: a JWT from a trusted issuer (`[[oauth.trusted_issuer]]`) as the grant. Checked as WSO2's
 * JWTBearerGrantHandler checks it (see TrustedIssuers), refused as `invalid_grant` with its messages; an
 * assertion with a `jti` works once (WSO2 remembers them only with EnableJWTCache, off by default).
 */
@Injectable()
export class JwtBearerGrant {
  constructor(
    private readonly issuers: TrustedIssuers,
    private readonly assertions: UsedAssertionsRepository,
    private readonly users: UsersService,
    private readonly tokens: TokensService,
  ) {}

  async issue(client: ClientRecord, assertion: string, scopes: string[]): Promise<IssuedTokens> {
    if (!client.grantTypes.includes(JWT_BEARER_GRANT)) throw new OAuthError('unauthorized_client', `the client is not allowed to use the ${JWT_BEARER_GRANT} grant`);
    const fail = (message: string) => new OAuthError('invalid_grant', message);
    const verified = await this.issuers.verify(assertion, { grant: JWT_BEARER_GRANT, errorCode: 'invalid_grant', maxAgeSec: MAX_ASSERTION_AGE_SEC });
    const username = await subjectOf(verified, this.users, fail);
    const { jti, exp, iss } = verified.claims;
    if (typeof jti === 'string' && !(await this.assertions.remember(iss, jti.slice(0, 512), exp))) {
      throw fail('JWT Token has been replayed before the allowed expiry time');
    }
    return this.tokens.issueForUser(client, JWT_BEARER_GRANT, username, scopes);
  }
}
