import { Injectable } from '@nestjs/common';
import { DEVICE_CODE_GRANT, GRANT_TYPES, JWT_BEARER_GRANT, refusedGrantReason, TOKEN_EXCHANGE_GRANT } from '@app/contracts';
import { OAuthError } from '../common/key-manager.errors.js';
import { JwtBearerGrant } from '../grants/jwt-bearer.grant.js';
import { TokenExchangeGrant } from '../grants/token-exchange.grant.js';
import { IntrospectionService, type IntrospectionResult } from '../tokens/introspection.service.js';
import { parseScopeParameter } from '../tokens/scopes.util.js';
import type { IssuedTokens } from '../tokens/token-minter.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import { ClientAuthenticator, type PresentedCredentials } from './client-authenticator.service.js';

/** RFC 6749 §5.1 token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  id_token?: string;
  /** Token exchange only (RFC 8693 §2.2.1). */
  issued_token_type?: string;
}

const GRANTS: ReadonlySet<string> = new Set(GRANT_TYPES);

function toResponse(issued: IssuedTokens & { issuedTokenType?: string }): TokenResponse {
  return {
    access_token: issued.accessToken,
    token_type: issued.tokenType,
    expires_in: issued.expiresIn,
    ...(issued.refreshToken !== undefined ? { refresh_token: issued.refreshToken } : {}),
    scope: issued.scopes.join(' '),
    ...(issued.idToken !== undefined ? { id_token: issued.idToken } : {}),
    ...(issued.issuedTokenType !== undefined ? { issued_token_type: issued.issuedTokenType } : {}),
  };
}

/**
 * The token, revocation and introspection endpoints over form parameters: reads the parameters by the
 * RFCs' rules (required, single-valued), authenticates the caller and hands over to the token services.
 */
@Injectable()
export class TokenEndpointService {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly tokens: TokensService,
    private readonly introspection: IntrospectionService,
    private readonly jwtBearer: JwtBearerGrant,
    private readonly tokenExchange: TokenExchangeGrant,
  ) {}

  async token(request: PresentedCredentials): Promise<TokenResponse> {
    const form = request.form.requireNoRepeats();
    const grantType = form.require('grant_type');
    const refused = refusedGrantReason(grantType);
    if (refused) throw new OAuthError('unsupported_grant_type', refused);
    if (!GRANTS.has(grantType)) throw new OAuthError('unsupported_grant_type', `grant_type must be one of ${GRANT_TYPES.join(', ')}`);
    const { client } = await this.authenticator.authenticate('token', request);
    switch (grantType) {
      case DEVICE_CODE_GRANT:
        return toResponse(await this.tokens.deviceCode(client, form.require('device_code')));
      case JWT_BEARER_GRANT:
        return toResponse(await this.jwtBearer.issue(client, form.require('assertion'), parseScopeParameter(form.get('scope'))));
      case TOKEN_EXCHANGE_GRANT: {
        const scope = form.get('scope');
        return toResponse(
          await this.tokenExchange.issue(client, {
            subjectToken: form.require('subject_token'),
            subjectTokenType: form.require('subject_token_type'),
            requestedTokenType: form.get('requested_token_type'),
            audience: form.get('audience'),
            actorToken: form.get('actor_token'),
            scopes: scope === undefined ? undefined : parseScopeParameter(scope),
          }),
        );
      }
      case 'client_credentials':
        if (client.publicClient) throw new OAuthError('unauthorized_client', 'a public client cannot use the client_credentials grant');
        return toResponse(await this.tokens.clientCredentials(client, parseScopeParameter(form.get('scope'))));
      case 'password': {
        const username = form.require('username');
        const password = form.require('password');
        return toResponse(await this.tokens.password(client, username, password, parseScopeParameter(form.get('scope')), request.ip));
      }
      case 'refresh_token': {
        const refreshToken = form.require('refresh_token');
        const scope = form.get('scope');
        return toResponse(await this.tokens.refresh(client, refreshToken, scope === undefined ? undefined : parseScopeParameter(scope)));
      }
      case 'authorization_code': {
        const code = form.require('code');
        return toResponse(await this.tokens.authorizationCode(client, code, form.get('redirect_uri'), form.get('code_verifier')));
      }
      default:
        throw new OAuthError('unsupported_grant_type', `grant_type must be one of ${GRANT_TYPES.join(', ')}`);
    }
  }

  /** RFC 7009: always 200 for a well-formed request by an authenticated client, whatever the token. */
  async revoke(request: PresentedCredentials): Promise<void> {
    const form = request.form.requireNoRepeats();
    const token = form.require('token');
    const { client } = await this.authenticator.authenticate('revocation', request);
    await this.tokens.revoke(client.clientId, token);
  }

  async introspect(request: PresentedCredentials): Promise<IntrospectionResult> {
    const form = request.form.requireNoRepeats();
    const caller = await this.authenticator.authenticateIntrospectionCaller(request);
    const token = form.require('token');
    const hint = form.get('token_type_hint');
    return this.introspection.introspect(
      token,
      caller === null ? { kind: 'admin' } : { kind: 'client', clientId: caller.clientId, resourceServer: caller.resourceServer },
      'http',
      hint === 'access_token' || hint === 'refresh_token' ? hint : undefined,
    );
  }
}
