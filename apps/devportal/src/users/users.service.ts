import { Injectable } from '@nestjs/common';
import { DEVPORTAL_CLIENT_ID, KeyManagerPatterns, type TokenSetView } from '@app/contracts';
import { KeyManagerClient } from '@app/platform';
import { TokenValidationService } from '../auth/token-validation.service.js';
import { DevportalError } from '../common/devportal.errors.js';
import type { LoginDto, LoginTokenDto, LogoutDto, RefreshLoginDto } from './dto/login.dto.js';
import type { SignupDto, UserDto } from './dto/signup.dto.js';

function toLoginToken(tokens: TokenSetView): LoginTokenDto {
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    ...(tokens.refreshToken ? { refresh_token: tokens.refreshToken } : {}),
  };
}

/** Portal users live in the Key Manager's user store; the portal keeps no passwords and issues no tokens. */
@Injectable()
export class UsersService {
  constructor(
    private readonly keyManager: KeyManagerClient,
    private readonly tokens: TokenValidationService,
  ) {}

  async signup(dto: SignupDto, requestId: string): Promise<UserDto> {
    const user = await this.keyManager.call(KeyManagerPatterns.UserCreate, { username: dto.username, password: dto.password }, requestId);
    return { username: user.username };
  }

  /** `sourceAddress`: the caller's address (honouring `[server] trust_proxy`), for the Key Manager's throttle. */
  async login(dto: LoginDto, sourceAddress: string, requestId: string): Promise<LoginTokenDto> {
    return toLoginToken(
      await this.keyManager.call(KeyManagerPatterns.UserAuthenticate, { username: dto.username, password: dto.password, sourceAddress }, requestId),
    );
  }

  /** A new token set for the refresh token; the old refresh token and its access token stop working. */
  async refresh(dto: RefreshLoginDto, requestId: string): Promise<LoginTokenDto> {
    return toLoginToken(await this.keyManager.call(KeyManagerPatterns.UserRefresh, { refreshToken: dto.refresh_token }, requestId));
  }

  /**
   * Revokes the session of either token (access and refresh token of one log-in are revoked together).
   * Tokens that are unknown, already revoked or not portal log-in tokens are ignored, as RFC 7009 does.
   */
  async logout(bearerToken: string | undefined, dto: LogoutDto, requestId: string): Promise<void> {
    const given = [bearerToken, dto.refresh_token].filter((t): t is string => t !== undefined);
    if (given.length === 0) throw new DevportalError('INVALID_REQUEST', 'Send the access token (Authorization: Bearer) or the refresh_token of the session to end.');
    for (const token of given) {
      await this.keyManager.call(KeyManagerPatterns.TokenRevoke, { clientId: DEVPORTAL_CLIENT_ID, token }, requestId);
    }
    if (bearerToken !== undefined) this.tokens.forget(bearerToken);
  }
}
