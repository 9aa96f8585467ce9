import { Module } from '@nestjs/common';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

/** Sign-up and log-in, both served by the Key Manager. */
@Module({ controllers: [UsersController], providers: [UsersService] })
export class UsersModule {}
