import { Module } from '@nestjs/common';
import { KeyManagerCommonModule } from '../common/key-manager-common.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { PasswordHasher } from './password-hasher.service.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [PersistenceModule, KeyManagerCommonModule],
  providers: [PasswordHasher, UsersService],
  exports: [UsersService],
})
export class UsersModule {}
