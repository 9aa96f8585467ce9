import { Module } from '@nestjs/common';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { TokenValidationService } from './token-validation.service.js';

/** Bearer-token authentication of portal users, validated by the Key Manager. */
@Module({
  providers: [TokenValidationService, BearerAuthGuard],
  exports: [TokenValidationService, BearerAuthGuard],
})
export class AuthModule {}
