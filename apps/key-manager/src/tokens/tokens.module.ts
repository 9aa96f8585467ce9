import { Module } from '@nestjs/common';
import { KeyManagerCommonModule } from '../common/key-manager-common.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { UsersModule } from '../users/users.module.js';
import { FreshSecrets } from './fresh-secrets.service.js';
import { IdTokenService } from './id-token.service.js';
import { IntrospectionService } from './introspection.service.js';
import { JwtService } from './jwt.service.js';
import { SigningKeyRetirementCheck } from './signing-key-retirement.check.js';
import { TokenCleanupService } from './token-cleanup.service.js';
import { TokenLookup } from './token-lookup.service.js';
import { TokenMinter } from './token-minter.service.js';
import { TokensService } from './tokens.service.js';
import { Wso2JwtKeys } from './wso2-jwt-keys.service.js';

@Module({
  imports: [PersistenceModule, UsersModule, KeyManagerCommonModule],
  providers: [FreshSecrets, JwtService, IdTokenService, TokenMinter, TokenLookup, TokensService, IntrospectionService, TokenCleanupService, SigningKeyRetirementCheck, Wso2JwtKeys],
  exports: [JwtService, TokensService, IntrospectionService, TokenCleanupService, TokenLookup, FreshSecrets, Wso2JwtKeys],
})
export class TokensModule {}
