import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module.js';
import { UserInfoController } from './userinfo.controller.js';
import { UserInfoService } from './userinfo.service.js';

/** OpenID Connect beyond the token endpoint: userinfo (discovery is the metadata controller's). */
@Module({
  imports: [TokensModule],
  controllers: [UserInfoController],
  providers: [UserInfoService],
})
export class OidcModule {}
