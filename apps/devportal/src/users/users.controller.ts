import { Body, Controller, Header, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { NewCredentials } from '@app/platform';
import { bearerTokenOf } from '../auth/bearer-auth.guard.js';
import { RequestId } from '../auth/caller.js';
import { API_BASE } from '../common/api-base.js';
import { ErrorDto } from '../common/error.dto.js';
import { LoginDto, LoginTokenDto, LogoutDto, RefreshLoginDto } from './dto/login.dto.js';
import { SignupDto, UserDto } from './dto/signup.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('Users')
@Controller(API_BASE)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post('signup')
  @NewCredentials()
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Invalid user name, or a password the Key Manager finds too weak' })
  @ApiConflictResponse({ type: ErrorDto, description: 'The user name is taken' })
  signup(@Body() dto: SignupDto, @RequestId() requestId: string): Promise<UserDto> {
    return this.users.signup(dto, requestId);
  }

  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: LoginTokenDto })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'Wrong user name or password' })
  @ApiTooManyRequestsResponse({ type: ErrorDto, description: 'Too many failed log-ins for this user or from this address; Retry-After says when to try again' })
  login(@Body() dto: LoginDto, @Ip() ip: string, @RequestId() requestId: string): Promise<LoginTokenDto> {
    return this.users.login(dto, ip, requestId);
  }

  @Post('login/refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: LoginTokenDto, description: 'A new access token and a new refresh token; the old ones stop working' })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'The refresh token is unknown, expired, revoked or already used (a reused one also ends the session)' })
  refresh(@Body() dto: RefreshLoginDto, @RequestId() requestId: string): Promise<LoginTokenDto> {
    return this.users.refresh(dto, requestId);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'The session of the given tokens is revoked (unknown tokens are ignored)' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Neither a bearer token nor a refresh_token was sent' })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'The Authorization header is not a bearer token' })
  async logout(@Headers('authorization') authorization: string | undefined, @Body() dto: LogoutDto, @RequestId() requestId: string): Promise<void> {
    await this.users.logout(bearerTokenOf(authorization), dto, requestId);
  }
}
