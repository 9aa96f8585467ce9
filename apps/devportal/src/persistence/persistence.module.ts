import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationKeyEntity } from './application-key.entity.js';
import { ApplicationKeysRepository } from './application-keys.repository.js';
import { ApplicationEntity } from './application.entity.js';
import { ApplicationsRepository } from './applications.repository.js';

/** The portal's tables behind injectable repositories (the connection itself comes from DatabaseModule). */
@Module({
  imports: [TypeOrmModule.forFeature([ApplicationEntity, ApplicationKeyEntity])],
  providers: [ApplicationsRepository, ApplicationKeysRepository],
  exports: [ApplicationsRepository, ApplicationKeysRepository],
})
export class PersistenceModule {}
