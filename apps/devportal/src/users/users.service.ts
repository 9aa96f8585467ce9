import { Injectable } from '@nestjs/common';
import { KeyManagerPatterns } from '@app/contracts';
import { KeyManagerClient } from '@app/platform';
import type { LoginDto, LoginTokenDto } from './dto/login.dto.js';
import type { SignupDto, UserDto } from './dto/signup.dto.js';

/** Portal users live in the Key Manager's user store; the portal keeps no passwords. */
@Injectable()
export class UsersService {
  constructor(private readonly keyManager: KeyManagerClient) {}

  async signup(dto: SignupDto, requestId: string): Promise<UserDto> {
    const user = await this.keyManager.call(KeyManagerPatterns.UserCreate, { username: dto.username, password: dto.password }, requestId);
    return { username: user.username };
  }

  async login(dto: LoginDto, requestId: string): Promise<LoginTokenDto> {
    const tokens = await this.keyManager.call(KeyManagerPatterns.UserAuthenticate, { username: dto.username, password: dto.password }, requestId);
    return {
      access_token: tokens.accessToken,
      token_type: 'Bearer',
      expires_in: tokens.expiresIn,
      ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
    };
  }
}
