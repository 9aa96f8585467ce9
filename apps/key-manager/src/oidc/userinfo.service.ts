import { Injectable } from '@nestjs/common';
import { BearerError } from '../common/key-manager.errors.js';
import { OPENID_SCOPE } from '../tokens/id-token.service.js';
import { splitScopes } from '../tokens/scopes.util.js';
import { accessTokenActive, TokenLookup } from '../tokens/token-lookup.service.js';

/** OIDC Core §5.3.2: the claims about the user. `sub` is the user name, as in the ID token. */
export interface UserInfoResponse {
  sub: string;
}

/** How the access token reached the endpoint: the Authorization header, or (POST only) the form body. */
export interface UserInfoRequest {
  authorization: string | undefined;
  /** `access_token` of a form body (RFC 6750 §2.2); undefined for GET or no such parameter. */
  formToken: string | undefined;
  method: 'GET' | 'POST';
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The userinfo endpoint (OIDC Core §5.3): an active access token that was granted `openid` for a user
 * returns that user's claims. Errors, statuses and messages are WSO2's (UserInforRequestDefaultValidator,
 * UserInfoISAccessTokenValidator).
 */
@Injectable()
export class UserInfoService {
  constructor(private readonly lookup: TokenLookup) {}

  async userInfo(request: UserInfoRequest): Promise<UserInfoResponse> {
    const token = this.tokenOf(request);
    const found = await this.lookup.find(token);
    if (!found || found.kind !== 'access' || !accessTokenActive(found.record, Math.floor(Date.now() / 1000))) {
      throw new BearerError('invalid_token', 'Access token validation failed');
    }
    if (!splitScopes(found.record.scopes).includes(OPENID_SCOPE)) throw new BearerError('insufficient_scope', 'Access token does not have the openid scope');
    if (found.record.username === null) throw new BearerError('invalid_token', 'Access token is not valid. No authorized user found. Invalid grant');
    return { sub: found.record.username };
  }

  private tokenOf({ authorization, formToken, method }: UserInfoRequest): string {
    if (authorization === undefined) {
      if (method === 'GET') throw new BearerError('invalid_request', 'Authorization header is missing');
      if (formToken === undefined) throw new BearerError('invalid_request', 'Bearer token missing');
      return formToken;
    }
    if (formToken !== undefined) throw new BearerError('invalid_request', 'send the access token in one place: the Authorization header or the body, not both');
    const match = BEARER.exec(authorization.trim());
    if (!match) throw new BearerError('invalid_request', 'Bearer token missing');
    return match[1]!;
  }
}
