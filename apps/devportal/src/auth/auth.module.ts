import { Module } from '@nestjs/common';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { WebSessionService } from '../web-session/web-session.service.js';
import { TokenValidationService } from './token-validation.service.js';

/** Authentication of portal users: bearer tokens validated by the Key Manager, and the web app's sessions. */
@Module({
  providers: [TokenValidationService, WebSessionService, BearerAuthGuard],
  exports: [TokenValidationService, WebSessionService, BearerAuthGuard],
})
export class AuthModule {}
