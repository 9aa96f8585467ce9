import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RequestId } from '../auth/caller.js';
import { API_BASE } from '../common/api-base.js';
import { ErrorDto } from '../common/error.dto.js';
import { LoginDto, LoginTokenDto } from './dto/login.dto.js';
import { SignupDto, UserDto } from './dto/signup.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('Users')
@Controller(API_BASE)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post('signup')
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
  login(@Body() dto: LoginDto, @RequestId() requestId: string): Promise<LoginTokenDto> {
    return this.users.login(dto, requestId);
  }
}
