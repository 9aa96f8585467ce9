import { Body, Controller, Header, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import type { IntrospectionResult } from '../tokens/introspection.service.js';
import { formOf } from './form-body.util.js';
import { TokenEndpointService, type TokenResponse } from './token-endpoint.service.js';

/** `/oauth2/token` (RFC 6749), `/oauth2/revoke` (RFC 7009), `/oauth2/introspect` (RFC 7662). */
@Controller('oauth2')
export class OAuthController {
  constructor(private readonly endpoint: TokenEndpointService) {}

  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Ip() ip: string): Promise<TokenResponse> {
    return this.endpoint.token({ form: formOf(body), authorization, ip });
  }

  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async revoke(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Ip() ip: string): Promise<void> {
    await this.endpoint.revoke({ form: formOf(body), authorization, ip });
  }

  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  introspect(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Ip() ip: string): Promise<IntrospectionResult> {
    return this.endpoint.introspect({ form: formOf(body), authorization, ip });
  }
}
