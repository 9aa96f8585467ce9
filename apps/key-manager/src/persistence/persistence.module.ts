import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthFailuresRepository } from './auth-failures.repository.js';
import { AuthorizationCodesRepository } from './authorization-codes.repository.js';
import { ClientSecretsRepository } from './client-secrets.repository.js';
import { ClientsRepository } from './clients.repository.js';
import { OAuthClientSecretEntity } from './entities/oauth-client-secret.entity.js';
import { ClientSecrets1797100000000 } from './migrations/client-secrets.migration.js';
import { DeviceAuthorizationsRepository } from './device-authorizations.repository.js';
import { AuthFailureEntity } from './entities/auth-failure.entity.js';
import { AuthorizationCodeEntity } from './entities/authorization-code.entity.js';
import { DeviceAuthorizationEntity } from './entities/device-authorization.entity.js';
import { OAuthClientEntity } from './entities/oauth-client.entity.js';
import { OAuthTokenEntity } from './entities/oauth-token.entity.js';
import { UsedAssertionEntity } from './entities/used-assertion.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { AuthThrottle1796900000000 } from './migrations/auth-throttle.migration.js';
import { ClientScopes1797000000200 } from './migrations/client-scopes.migration.js';
import { SubjectNames1797000000100 } from './migrations/subject-names.migration.js';
import { InitialSchema1732600000000 } from './migrations/initial-schema.migration.js';
import { OpenIdConnectAndGrants1796606441320 } from './migrations/openid-connect-and-grants.migration.js';
import { PkceSettings1797000000000 } from './migrations/pkce-settings.migration.js';
import { RpcIdempotency1796700000000 } from './migrations/rpc-idempotency.migration.js';
import { StoredValueCounts1797200000000 } from './migrations/stored-value-counts.migration.js';
import { DeploymentIdentity1797400000000 } from './migrations/deployment-identity.migration.js';
import { TokenHashIndexesForLegacyRows1797500000100 } from './migrations/token-hash-indexes-for-legacy-rows.migration.js';
import { TokenSelectors1797500000000 } from './migrations/token-selectors.migration.js';
import { TokenTableFillFactor1797500000200 } from './migrations/token-table-fill-factor.migration.js';
import { SqlService } from './sql.service.js';
import { TokensRepository } from './tokens.repository.js';
import { UsedAssertionsRepository } from './used-assertions.repository.js';
import { UsersRepository } from './users.repository.js';

/** What `DatabaseModule.forRoot` needs for this service. */
export const KEY_MANAGER_ENTITIES = [UserEntity, OAuthClientEntity, OAuthTokenEntity, AuthorizationCodeEntity, DeviceAuthorizationEntity, UsedAssertionEntity, AuthFailureEntity, OAuthClientSecretEntity];
export const KEY_MANAGER_MIGRATIONS = [InitialSchema1732600000000, OpenIdConnectAndGrants1796606441320, RpcIdempotency1796700000000, AuthThrottle1796900000000, PkceSettings1797000000000, SubjectNames1797000000100, ClientScopes1797000000200, ClientSecrets1797100000000, StoredValueCounts1797200000000, DeploymentIdentity1797400000000, TokenSelectors1797500000000, TokenHashIndexesForLegacyRows1797500000100, TokenTableFillFactor1797500000200];

/** Every table access of the Key Manager, behind repositories. */
@Module({
  imports: [TypeOrmModule.forFeature(KEY_MANAGER_ENTITIES)],
  providers: [SqlService, ClientsRepository, ClientSecretsRepository, TokensRepository, AuthorizationCodesRepository, UsersRepository, DeviceAuthorizationsRepository, UsedAssertionsRepository, AuthFailuresRepository],
  exports: [SqlService, ClientsRepository, ClientSecretsRepository, TokensRepository, AuthorizationCodesRepository, UsersRepository, DeviceAuthorizationsRepository, UsedAssertionsRepository, AuthFailuresRepository],
})
export class PersistenceModule {}
