import { type DynamicModule, Module } from '@nestjs/common';
import {
  DatabaseModule,
  EncryptionModule,
  HealthModule,
  MessagingModule,
  MetricsModule,
  RuntimeModule,
  type ServiceContext,
} from '@app/platform';
import { ClientsModule } from './clients/clients.module.js';
import { KeyManagerCommonModule } from './common/key-manager-common.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { OidcModule } from './oidc/oidc.module.js';
import { KEY_MANAGER_ENTITIES, KEY_MANAGER_MIGRATIONS, PersistenceModule } from './persistence/persistence.module.js';
import { RpcModule } from './rpc/rpc.module.js';
import { TokensModule } from './tokens/tokens.module.js';
import { UsersModule } from './users/users.module.js';

/** The Key Manager: platform plumbing plus its feature modules. */
@Module({})
export class KeyManagerModule {
  static forRoot(ctx: ServiceContext): DynamicModule {
    return {
      module: KeyManagerModule,
      imports: [
        RuntimeModule.forRoot(ctx.config, ctx.identity, ctx.logger),
        MetricsModule,
        DatabaseModule.forRoot({ entities: KEY_MANAGER_ENTITIES, migrations: KEY_MANAGER_MIGRATIONS }),
        EncryptionModule,
        MessagingModule.forRoot(ctx.bus),
        HealthModule.forRoot(),
        KeyManagerCommonModule,
        PersistenceModule,
        UsersModule,
        ClientsModule,
        TokensModule,
        OAuthModule,
        OidcModule,
        RpcModule,
      ],
    };
  }
}
