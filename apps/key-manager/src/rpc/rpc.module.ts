import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module.js';
import { KeyManagerCommonModule } from '../common/key-manager-common.module.js';
import { OAuthModule } from '../oauth/oauth.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { KeyManagerRpcController } from './key-manager-rpc.controller.js';
import { KeyManagerRpcService } from './key-manager-rpc.service.js';

@Module({
  imports: [ClientsModule, TokensModule, UsersModule, KeyManagerCommonModule, OAuthModule],
  controllers: [KeyManagerRpcController],
  providers: [KeyManagerRpcService, IdempotencyInterceptor],
})
export class RpcModule {}
