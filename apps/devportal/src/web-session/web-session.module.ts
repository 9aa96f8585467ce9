import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { WebAuthController } from './web-auth.controller.js';

/** The web app's sign-in through the Key Manager and its server-side sessions (see web-session.service.ts). */
@Module({ imports: [AuthModule], controllers: [WebAuthController] })
export class WebSessionModule {}
