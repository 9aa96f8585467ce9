import { Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  AuthenticateUserRequest,
  ClientIdRequest,
  CreateClientRequest,
  CreateUserRequest,
  ExchangeCodeRequest,
  GenerateClientSecretRequest,
  MapClientRequest,
  MatchClientSecretRequest,
  IssueTokenRequest,
  KeyManagerPatterns,
  RefreshUserRequest,
  RegisterPortalCallbackRequest,
  RevokeClientSecretRequest,
  RevokeTokensRequest,
  UpdateClientRequest,
  ValidateTokenRequest,
  type ClientSecretListView,
  type ClientSecretView,
  type ClientView,
  type MatchClientSecretView,
  type DeleteClientView,
  type PortalClientView,
  type ProfileView,
  type RevokeClientSecretView,
  type RevokeTokensView,
  type TokenSetView,
  type TokenValidationView,
  type UserView,
} from '@app/contracts';
import { DeploymentIdentity, EncryptionService, NewCredentials, RpcData, RpcEnvelopeInterceptor, rpcValidationPipe, SkipProfileCheck } from '@app/platform';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { KeyManagerRpcErrorFilter } from './rpc-error.mapper.js';
import { KeyManagerRpcService } from './key-manager-rpc.service.js';

/**
 * Every pattern of `KeyManagerContract` on the bus. Payloads are validated against the contract classes;
 * commands sent with an idempotency key are done once (IdempotencyInterceptor).
 */
@Controller()
@UseInterceptors(RpcEnvelopeInterceptor, IdempotencyInterceptor)
@UseFilters(KeyManagerRpcErrorFilter)
export class KeyManagerRpcController {
  constructor(
    private readonly rpc: KeyManagerRpcService,
    private readonly encryption: EncryptionService,
    private readonly deployment: DeploymentIdentity,
  ) {}

  @MessagePattern(KeyManagerPatterns.ProfileGet)
  @SkipProfileCheck()
  profile(): ProfileView {
    const deployment = this.deployment.id;
    return { ...this.encryption.describe(), ...(deployment ? { deployment } : {}) };
  }

  @MessagePattern(KeyManagerPatterns.UserCreate)
  @NewCredentials()
  createUser(@RpcData(rpcValidationPipe) request: CreateUserRequest): Promise<UserView> {
    return this.rpc.createUser(request);
  }

  @MessagePattern(KeyManagerPatterns.UserAuthenticate)
  authenticateUser(@RpcData(rpcValidationPipe) request: AuthenticateUserRequest): Promise<TokenSetView> {
    return this.rpc.authenticateUser(request);
  }

  @MessagePattern(KeyManagerPatterns.UserRefresh)
  refreshUser(@RpcData(rpcValidationPipe) request: RefreshUserRequest): Promise<TokenSetView> {
    return this.rpc.refreshUser(request);
  }

  @MessagePattern(KeyManagerPatterns.PortalRegisterCallback)
  registerPortalCallback(@RpcData(rpcValidationPipe) request: RegisterPortalCallbackRequest): Promise<PortalClientView> {
    return this.rpc.registerPortalCallback(request);
  }

  @MessagePattern(KeyManagerPatterns.UserExchangeCode)
  exchangeCode(@RpcData(rpcValidationPipe) request: ExchangeCodeRequest): Promise<TokenSetView> {
    return this.rpc.exchangeCode(request);
  }

  @MessagePattern(KeyManagerPatterns.TokenValidate)
  validateToken(@RpcData(rpcValidationPipe) request: ValidateTokenRequest): Promise<TokenValidationView> {
    return this.rpc.validateToken(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientCreate)
  createClient(@RpcData(rpcValidationPipe) request: CreateClientRequest): Promise<ClientView> {
    return this.rpc.createClient(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientGet)
  getClient(@RpcData(rpcValidationPipe) request: ClientIdRequest): Promise<ClientView> {
    return this.rpc.getClient(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientUpdate)
  updateClient(@RpcData(rpcValidationPipe) request: UpdateClientRequest): Promise<ClientView> {
    return this.rpc.updateClient(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientDelete)
  deleteClient(@RpcData(rpcValidationPipe) request: ClientIdRequest): Promise<DeleteClientView> {
    return this.rpc.deleteClient(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientRegenerateSecret)
  regenerateSecret(@RpcData(rpcValidationPipe) request: ClientIdRequest): Promise<ClientView> {
    return this.rpc.regenerateSecret(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientSecretGenerate)
  generateClientSecret(@RpcData(rpcValidationPipe) request: GenerateClientSecretRequest): Promise<ClientSecretView> {
    return this.rpc.generateClientSecret(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientSecretList)
  listClientSecrets(@RpcData(rpcValidationPipe) request: ClientIdRequest): Promise<ClientSecretListView> {
    return this.rpc.listClientSecrets(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientSecretRevoke)
  revokeClientSecret(@RpcData(rpcValidationPipe) request: RevokeClientSecretRequest): Promise<RevokeClientSecretView> {
    return this.rpc.revokeClientSecret(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientSecretMatch)
  matchClientSecret(@RpcData(rpcValidationPipe) request: MatchClientSecretRequest): Promise<MatchClientSecretView> {
    return this.rpc.matchClientSecret(request);
  }

  @MessagePattern(KeyManagerPatterns.ClientMap)
  mapClient(@RpcData(rpcValidationPipe) request: MapClientRequest): Promise<ClientView> {
    return this.rpc.mapClient(request);
  }

  @MessagePattern(KeyManagerPatterns.TokenIssue)
  issueToken(@RpcData(rpcValidationPipe) request: IssueTokenRequest): Promise<TokenSetView> {
    return this.rpc.issueToken(request);
  }

  @MessagePattern(KeyManagerPatterns.TokenRevoke)
  revokeTokens(@RpcData(rpcValidationPipe) request: RevokeTokensRequest): Promise<RevokeTokensView> {
    return this.rpc.revokeTokens(request);
  }
}
