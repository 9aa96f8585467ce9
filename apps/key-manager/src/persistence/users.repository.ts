import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UserEntity } from './entities/user.entity.js';
import { isUniqueViolation } from './sql.service.js';

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
}

/** The Key Manager's user store. Names are unique regardless of case. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** False when the name is taken (by any case variant). */
  async insert(user: UserRecord): Promise<boolean> {
    try {
      await this.users.insert(this.users.create(user));
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const entity = await this.users.createQueryBuilder('u').where('lower(u.username) = lower(:username)', { username }).getOne();
    return entity ? { id: entity.id, username: entity.username, passwordHash: entity.passwordHash, createdAt: entity.createdAt } : undefined;
  }
}
