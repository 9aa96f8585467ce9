import { Injectable } from '@nestjs/common';
import { TOKEN_EXCHANGE_GRANT } from '@app/contracts';
import { OAuthError } from '../common/key-manager.errors.js';
import type { ClientRecord } from '../persistence/clients.repository.js';
import { JwtService } from '../tokens/jwt.service.js';
import { splitScopes } from '../tokens/scopes.util.js';
import { accessTokenActive, TokenLookup } from '../tokens/token-lookup.service.js';
import type { IssuedTokens } from '../tokens/token-minter.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import { UsersService } from '../users/users.service.js';
import { subjectOf } from './jwt-bearer.grant.js';
import { TrustedIssuers } from './trusted-issuers.service.js';

/** RFC 8693 §3 token type identifiers this Key Manager takes and gives (WSO2's TokenExchangeConstants). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** An RFC 8693 request, as the token endpoint read it. */
export interface TokenExchangeRequest {
  subjectToken: string;
  subjectTokenType: string;
  requestedTokenType: string | undefined;
  audience: string | undefined;
  actorToken: string | undefined;
  /** Undefined: as the subject token allows. */
  scopes: string[] | undefined;
}

/** RFC 8693 §2.2.1: the token response adds `issued_token_type`. */
export interface ExchangedTokens extends IssuedTokens {
  issuedTokenType: string;
}

/**
 * RFC 8693 token exchange: a client trades a user's token for one of its own, for the same user. The subject
 * token is an access token of this Key Manager (opaque or JWT; it must be active) or a JWT of a trusted
 * issuer (checked as for jwt-bearer). The new token is the calling client's, never outlives the subject
 * token, may only narrow its scopes, and comes without a refresh token. Delegation and impersonation
 * (`actor_token`) are not offered. Errors are `invalid_request` with WSO2's messages (TokenExchangeGrantHandler),
 * `invalid_target` for an audience other than the client.
 */
@Injectable()
export class TokenExchangeGrant {
  constructor(
    private readonly lookup: TokenLookup,
    private readonly jwt: JwtService,
    private readonly issuers: TrustedIssuers,
    private readonly users: UsersService,
    private readonly tokens: TokensService,
  ) {}

  async issue(client: ClientRecord, request: TokenExchangeRequest): Promise<ExchangedTokens> {
    if (!client.grantTypes.includes(TOKEN_EXCHANGE_GRANT)) throw new OAuthError('unauthorized_client', `the client is not allowed to use the ${TOKEN_EXCHANGE_GRANT} grant`);
    const fail = (message: string) => new OAuthError('invalid_request', message);
    if (request.actorToken !== undefined) throw fail('actor_token is not supported: delegation and impersonation are not offered');
    const issuedTokenType = request.requestedTokenType ?? (client.tokenType === 'JWT' ? JWT_TOKEN_TYPE : ACCESS_TOKEN_TYPE);
    if (issuedTokenType !== ACCESS_TOKEN_TYPE && issuedTokenType !== JWT_TOKEN_TYPE) throw fail('Unsupported requested token type');
    if (issuedTokenType === JWT_TOKEN_TYPE && client.tokenType !== 'JWT') throw fail(`the client issues opaque access tokens: request ${ACCESS_TOKEN_TYPE}`);
    if (request.audience !== undefined && request.audience !== client.clientId) throw new OAuthError('invalid_target', 'Invalid audience value provided');
    if (request.subjectTokenType !== ACCESS_TOKEN_TYPE && request.subjectTokenType !== JWT_TOKEN_TYPE) throw fail('Unsupported subject token type');

    const subject = await this.subjectOf(request.subjectToken, fail);
    const allowed = subject.scopes;
    const scopes = request.scopes ?? allowed ?? [];
    if (allowed !== undefined && scopes.some((s) => !allowed.includes(s))) throw new OAuthError('invalid_scope', "the requested scopes must be among the subject token's");
    const remaining = subject.expiresAt - Math.floor(Date.now() / 1000);
    if (remaining <= 0) throw fail('Invalid Subject Token. Subject token is not ACTIVE.');
    const issued = await this.tokens.issueForUser(client, TOKEN_EXCHANGE_GRANT, subject.username, scopes, { maxLifetimeSec: remaining, refreshable: false });
    return { ...issued, issuedTokenType };
  }

  /** The user a subject token speaks for, its scopes (undefined: it carries none to limit by) and its expiry. */
  private async subjectOf(token: string, fail: (message: string) => OAuthError): Promise<{ username: string; scopes: string[] | undefined; expiresAt: number }> {
    // A JWT of a trusted issuer; anything else must be one of this Key Manager's access tokens.
    if (this.jwt.looksLikeJwt(token) && this.issuers.issues(token)) {
      const verified = await this.issuers.verify(token, { grant: TOKEN_EXCHANGE_GRANT, errorCode: 'invalid_request' });
      const scope = verified.claims.scope;
      return {
        username: await subjectOf(verified, this.users, fail),
        scopes: typeof scope === 'string' ? splitScopes(scope) : undefined,
        expiresAt: verified.claims.exp,
      };
    }
    const found = await this.lookup.find(token);
    if (!found || found.kind !== 'access' || !accessTokenActive(found.record, Math.floor(Date.now() / 1000))) {
      throw fail('Invalid Subject Token. Subject token is not ACTIVE.');
    }
    if (found.record.username === null) throw fail('the subject token speaks for an application, not a user: use client_credentials');
    return { username: found.record.username, scopes: splitScopes(found.record.scopes), expiresAt: found.record.expiresAt };
  }
}
