import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { ApplicationKeyCacheModule } from './application-key-cache.module.js';
import { ApplicationKeysController } from './application-keys.controller.js';
import { ApplicationKeysService } from './application-keys.service.js';
import { ApplicationSecretsController } from './application-secrets.controller.js';
import { ApplicationSecretsService } from './application-secrets.service.js';
import { ConsumerSecretsService } from './consumer-secrets.service.js';

/** OAuth2 keys of applications: clients in the Key Manager, consumer secrets stored as it stored them. */
@Module({
  imports: [AuthModule, PersistenceModule, ApplicationKeyCacheModule],
  controllers: [ApplicationKeysController, ApplicationSecretsController],
  providers: [ApplicationKeysService, ApplicationSecretsService, ConsumerSecretsService],
})
export class ApplicationKeysModule {}
