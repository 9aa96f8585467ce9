import { Module } from '@nestjs/common';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { JwtBearerGrant } from './jwt-bearer.grant.js';
import { TokenExchangeGrant } from './token-exchange.grant.js';
import { TrustedIssuers } from './trusted-issuers.service.js';

/** The extension grants that take a token from elsewhere: RFC 7523 jwt-bearer and RFC 8693 token exchange. */
@Module({
  imports: [PersistenceModule, TokensModule, UsersModule],
  providers: [TrustedIssuers, JwtBearerGrant, TokenExchangeGrant],
  exports: [JwtBearerGrant, TokenExchangeGrant],
})
export class GrantsModule {}
