import { Module } from '@nestjs/common';
import { ApplicationKeyCacheModule } from '../application-keys/application-key-cache.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { ApplicationsController } from './applications.controller.js';
import { ApplicationsService } from './applications.service.js';

@Module({
  imports: [AuthModule, PersistenceModule, ApplicationKeyCacheModule],
  controllers: [ApplicationsController],
  providers: [ApplicationsService],
})
export class ApplicationsModule {}
