import { Injectable } from '@nestjs/common';
import type {
  AuthenticateUserRequest,
  ClientIdRequest,
  ClientView,
  CreateClientRequest,
  CreateUserRequest,
  DeleteClientView,
  IssueTokenRequest,
  RefreshUserRequest,
  RegisterPortalCallbackRequest,
  ExchangeCodeRequest,
  ClientSecretListView,
  ClientSecretView,
  GenerateClientSecretRequest,
  MapClientRequest,
  MatchClientSecretRequest,
  MatchClientSecretView,
  PortalClientView,
  RevokeClientSecretRequest,
  RevokeClientSecretView,
  RevokeTokensRequest,
  RevokeTokensView,
  TokenSetView,
  TokenValidationView,
  UpdateClientRequest,
  UserView,
  ValidateTokenRequest,
} from '@app/contracts';
import { DEVPORTAL_CLIENT_ID } from '@app/contracts';
import { ClientSecretsService } from '../clients/client-secrets.service.js';
import { ClientsService } from '../clients/clients.service.js';
import type { ClientSecretInfo } from '../persistence/client-secrets.repository.js';
import { KeyManagerError, OAuthError } from '../common/key-manager.errors.js';
import { CLIENT_CREDENTIALS_INVALID, ClientAuthenticator } from '../oauth/client-authenticator.service.js';
import { IntrospectionService } from '../tokens/introspection.service.js';
import { checkScopes } from '../tokens/scopes.util.js';
import type { IssuedTokens } from '../tokens/token-minter.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import { UsersService } from '../users/users.service.js';

function toTokenSet(issued: IssuedTokens): TokenSetView {
  return {
    accessToken: issued.accessToken,
    tokenType: issued.tokenType,
    expiresIn: issued.expiresIn,
    ...(issued.refreshToken !== undefined ? { refreshToken: issued.refreshToken } : {}),
    scopes: issued.scopes,
  };
}

function toSecretView(info: ClientSecretInfo): ClientSecretView {
  return {
    secretId: info.secretId,
    own: info.own,
    description: info.description,
    expiresAt: info.expiresAt?.toISOString() ?? null,
    createdAt: info.createdAt.toISOString(),
    expired: info.expired,
  };
}

/** The bus API over the same services as the HTTP API. */
@Injectable()
export class KeyManagerRpcService {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly clientSecrets: ClientSecretsService,
    private readonly tokens: TokensService,
    private readonly introspection: IntrospectionService,
    private readonly clientAuthenticator: ClientAuthenticator,
  ) {}

  createUser(request: CreateUserRequest): Promise<UserView> {
    return this.users.create(request.username, request.password);
  }

  /**
   * The portal's log-in: the password grant, for the Key Manager's own portal client, under the same
   * authentication throttle as every password check (with the address the portal saw).
   */
  async authenticateUser(request: AuthenticateUserRequest): Promise<TokenSetView> {
    const user = await this.users.verify(request.username, request.password, request.sourceAddress);
    if (!user) throw new KeyManagerError('INVALID_CREDENTIALS', 'invalid username or password');
    const client = await this.clients.record(DEVPORTAL_CLIENT_ID);
    return toTokenSet(await this.tokens.issueForUser(client, 'password', user.username, checkScopes(request.scopes), { authTime: Math.floor(Date.now() / 1000) }));
  }

  /**
   * Renews a portal log-in with its refresh token: the refresh_token grant for the portal's client, so the
   * refresh token rotates and one presented twice revokes its whole chain. A refresh token of any other
   * client is refused like an unknown one.
   */
  async refreshUser(request: RefreshUserRequest): Promise<TokenSetView> {
    const client = await this.clients.record(DEVPORTAL_CLIENT_ID);
    return toTokenSet(await this.tokens.refresh(client, request.refreshToken, undefined));
  }

  /**
   * The portal's web sign-in callback: its system client gets the authorization code grant and the URL
   * among its redirect URIs (kept beside those of other portal addresses). Repeating it changes nothing.
   */
  async registerPortalCallback(request: RegisterPortalCallbackRequest): Promise<PortalClientView> {
    const current = await this.clients.get(DEVPORTAL_CLIENT_ID);
    const grantTypes = current.grantTypes.includes('authorization_code') ? current.grantTypes : [...current.grantTypes, 'authorization_code'];
    const redirectUris = current.redirectUris.includes(request.redirectUri) ? current.redirectUris : [...current.redirectUris, request.redirectUri];
    const client =
      grantTypes === current.grantTypes && redirectUris === current.redirectUris ? current : await this.clients.update(DEVPORTAL_CLIENT_ID, { grantTypes, redirectUris });
    return { clientId: client.clientId, redirectUris: client.redirectUris };
  }

  /** Completes the portal's web sign-in: the authorization code grant for its system client (PKCE required). */
  async exchangeCode(request: ExchangeCodeRequest): Promise<TokenSetView> {
    const client = await this.clients.record(DEVPORTAL_CLIENT_ID);
    return toTokenSet(await this.tokens.authorizationCode(client, request.code, request.redirectUri, request.codeVerifier));
  }

  /** A bearer token presented to the portal: active access tokens only. */
  async validateToken(request: ValidateTokenRequest): Promise<TokenValidationView> {
    const result = await this.introspection.introspect(request.token, { kind: 'admin' }, 'nats', 'access_token');
    if (!result.active || result.token_type !== 'Bearer') return { active: false };
    return {
      active: true,
      ...(result.username !== undefined ? { username: result.username } : {}),
      clientId: result.client_id,
      scopes: IntrospectionService.scopesOf(result),
      expiresAt: result.exp,
    };
  }

  async createClient(request: CreateClientRequest): Promise<ClientView> {
    const { client, secret } = await this.clients.create({
      clientName: request.clientName,
      owner: request.owner,
      ...settingsOf(request),
    });
    return this.clients.toIssuedView(client, secret);
  }

  async getClient(request: ClientIdRequest): Promise<ClientView> {
    return this.clients.toView(await this.clients.get(request.clientId));
  }

  async updateClient(request: UpdateClientRequest): Promise<ClientView> {
    const client = await this.clients.update(request.clientId, {
      ...(request.clientName !== undefined ? { clientName: request.clientName } : {}),
      ...settingsOf(request),
    });
    return this.clients.toView(client);
  }

  async deleteClient(request: ClientIdRequest): Promise<DeleteClientView> {
    const { revokedTokens } = await this.clients.delete(request.clientId);
    return { clientId: request.clientId, revokedTokens };
  }

  /** Stored form: the new secret crosses the bus as its ciphertext when encryption is on; in plaintext once when it is stored as a hash only. */
  async regenerateSecret(request: ClientIdRequest): Promise<ClientView> {
    const { client, secret } = await this.clients.regenerateSecret(request.clientId);
    return this.clients.toIssuedView(client, secret);
  }

  async generateClientSecret(request: GenerateClientSecretRequest): Promise<ClientSecretView> {
    const { info, secret } = await this.clientSecrets.generate(request.clientId, { description: request.description, expiresInSec: request.expiresIn });
    return { ...toSecretView(info), secretValue: secret };
  }

  async listClientSecrets(request: ClientIdRequest): Promise<ClientSecretListView> {
    return { list: (await this.clientSecrets.list(request.clientId)).map(toSecretView) };
  }

  async revokeClientSecret(request: RevokeClientSecretRequest): Promise<RevokeClientSecretView> {
    const { own } = await this.clientSecrets.revoke(request.clientId, request.secretId);
    return { revoked: true, own };
  }

  /** Whether the hash is one of the client's working secrets' (its own, or an added one that has not expired). */
  async matchClientSecret(request: MatchClientSecretRequest): Promise<MatchClientSecretView> {
    return { matches: this.clientSecrets.matchesHash(await this.clients.record(request.clientId), request.secretHash) };
  }

  /**
   * The portal's map-keys: the client, once the presented secret proves the caller holds it (client
   * authentication, as at the token endpoint). The portal's own client is never handed out; it is refused
   * with the answer an unknown client gets.
   */
  async mapClient(request: MapClientRequest): Promise<ClientView> {
    if (request.clientId === DEVPORTAL_CLIENT_ID) throw new OAuthError('invalid_client', CLIENT_CREDENTIALS_INVALID);
    const client = await this.clientAuthenticator.authenticateSecret(request.clientId, request.clientSecret, request.sourceAddress);
    return this.clients.toView(await this.clients.get(client.clientId));
  }

  /** client_credentials for a client the portal has authenticated itself (no secret crosses the bus). */
  async issueToken(request: IssueTokenRequest): Promise<TokenSetView> {
    const client = await this.clients.record(request.clientId);
    if (client.publicClient) throw new KeyManagerError('INVALID_REQUEST', 'a public client cannot use the client_credentials grant');
    return toTokenSet(await this.tokens.clientCredentials(client, checkScopes(request.scopes), request.validityPeriod));
  }

  async revokeTokens(request: RevokeTokensRequest): Promise<RevokeTokensView> {
    await this.clients.record(request.clientId);
    if (request.token === undefined) return { revoked: await this.tokens.revokeAll(request.clientId) };
    return { revoked: (await this.tokens.revoke(request.clientId, request.token)) ? 1 : 0 };
  }
}

function settingsOf(request: CreateClientRequest | UpdateClientRequest) {
  return {
    ...(request.grantTypes !== undefined ? { grantTypes: request.grantTypes } : {}),
    ...(request.redirectUris !== undefined ? { redirectUris: request.redirectUris } : {}),
    ...(request.tokenType !== undefined ? { tokenType: request.tokenType } : {}),
    ...(request.applicationTokenLifetime !== undefined ? { applicationTokenLifetime: request.applicationTokenLifetime } : {}),
    ...(request.userTokenLifetime !== undefined ? { userTokenLifetime: request.userTokenLifetime } : {}),
    ...(request.refreshTokenLifetime !== undefined ? { refreshTokenLifetime: request.refreshTokenLifetime } : {}),
    ...(request.pkceMandatory !== undefined ? { pkceMandatory: request.pkceMandatory } : {}),
    ...(request.pkceSupportPlain !== undefined ? { pkceSupportPlain: request.pkceSupportPlain } : {}),
    ...(request.scopes !== undefined ? { scopes: request.scopes } : {}),
  };
}
