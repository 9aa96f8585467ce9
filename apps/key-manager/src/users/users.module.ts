import { Module } from '@nestjs/common';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { PasswordHasher } from './password-hasher.service.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [PersistenceModule],
  providers: [PasswordHasher, UsersService],
  exports: [UsersService],
})
export class UsersModule {}
