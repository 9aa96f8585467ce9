import { Body, Controller, Header, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import { parseScopeParameter } from '../../tokens/scopes.util.js';
import { ClientAuthenticator } from '../client-authenticator.service.js';
import { formOf } from '../form-body.util.js';
import { DeviceFlowService, type DeviceAuthorizationResponse } from './device-flow.service.js';

/** `POST /oauth2/device_authorize` (RFC 8628 §3.1, WSO2's DeviceEndpoint path): a device starts the flow. */
@Controller('oauth2/device_authorize')
export class DeviceAuthorizationController {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly flow: DeviceFlowService,
  ) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async start(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Ip() ip: string): Promise<DeviceAuthorizationResponse> {
    const form = formOf(body).requireNoRepeats();
    const { client } = await this.authenticator.authenticate('device_authorization', { form, authorization, ip });
    return this.flow.start(client, parseScopeParameter(form.get('scope')));
  }
}
