import { Module } from '@nestjs/common';
import { KeyManagerCommonModule } from '../common/key-manager-common.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { ClientSecretsService } from './client-secrets.service.js';
import { ClientsService } from './clients.service.js';
import { DcrController } from './dcr.controller.js';
import { DcrService } from './dcr.service.js';
import { SuperAdminGuard } from './super-admin.guard.js';

@Module({
  imports: [PersistenceModule, KeyManagerCommonModule],
  controllers: [DcrController],
  providers: [ClientsService, ClientSecretsService, DcrService, SuperAdminGuard],
  exports: [ClientsService, ClientSecretsService],
})
export class ClientsModule {}
