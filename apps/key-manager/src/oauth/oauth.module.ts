import { Module } from '@nestjs/common';
import { KeyManagerCommonModule } from '../common/key-manager-common.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthorizeController } from './authorize.controller.js';
import { AuthorizeService } from './authorize.service.js';
import { ClientAuthenticator } from './client-authenticator.service.js';
import { DeviceAuthorizationController } from './device/device-authorization.controller.js';
import { DeviceFlowService } from './device/device-flow.service.js';
import { DeviceVerificationController } from './device/device-verification.controller.js';
import { MetadataController } from './metadata.controller.js';
import { MetadataService } from './metadata.service.js';
import { OAuthController } from './oauth.controller.js';
import { TokenEndpointService } from './token-endpoint.service.js';

/** The OAuth2 HTTP endpoints: token, revoke, introspect, authorize, device authorization and verification, metadata and JWKS. */
@Module({
  imports: [PersistenceModule, TokensModule, UsersModule, KeyManagerCommonModule, GrantsModule],
  controllers: [OAuthController, AuthorizeController, DeviceAuthorizationController, DeviceVerificationController, MetadataController],
  providers: [ClientAuthenticator, TokenEndpointService, AuthorizeService, DeviceFlowService, MetadataService],
  exports: [ClientAuthenticator],
})
export class OAuthModule {}
