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

// A user name is taken when a user or a client (its id is the `sub` of its client_credentials tokens) has it,
// in any case: checked in the same statement as the insert.
const INSERT_USER = `
  INSERT INTO users (id, username, password_hash, created_at)
  SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM oauth_clients WHERE lower(client_id) = lower($2))
  RETURNING id`;

/** The Key Manager's user store. Names are unique regardless of case, and never a client's id. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** False when the name is taken (by any case variant) by a user or a client id. */
  async insert(user: UserRecord): Promise<boolean> {
    try {
      const rows: unknown[] = await this.users.query(INSERT_USER, [user.id, user.username, user.passwordHash, user.createdAt]);
      return rows.length > 0;
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
