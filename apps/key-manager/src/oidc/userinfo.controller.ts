import { Body, Controller, Get, Header, Headers, HttpCode, Post } from '@nestjs/common';
import { FormBody } from '../oauth/form-body.util.js';
import { UserInfoService, type UserInfoResponse } from './userinfo.service.js';

/** `/oauth2/userinfo` (OIDC Core §5.3), GET and POST like WSO2's OpenIDConnectUserEndpoint. */
@Controller('oauth2/userinfo')
export class UserInfoController {
  constructor(private readonly userInfo: UserInfoService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  get(@Headers('authorization') authorization: string | undefined): Promise<UserInfoResponse> {
    return this.userInfo.userInfo({ authorization, formToken: undefined, method: 'GET' });
  }

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  post(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<UserInfoResponse> {
    const formToken = body instanceof FormBody ? body.requireNoRepeats().get('access_token') : undefined;
    return this.userInfo.userInfo({ authorization, formToken, method: 'POST' });
  }
}
