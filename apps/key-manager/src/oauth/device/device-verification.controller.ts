import { Body, Controller, Get, Ip, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthThrottledError } from '../../common/key-manager.errors.js';
import { formOf } from '../form-body.util.js';
import { sendPage } from '../html-page.util.js';
import { DeviceFlowService, UnusableUserCodeError } from './device-flow.service.js';
import { renderApprovePage, renderDonePage, renderEnterCodePage } from './device-page.view.js';

const NOT_VALID = 'That code is not valid, has expired or was already used. Check the code your device shows.';
const THROTTLED = 'Too many failed attempts. Try again later.';

/**
 * `/oauth2/device`, the verification page of RFC 8628 §3.3 (the `verification_uri`): the user enters the code
 * their device shows (or arrives with it in `?user_code=`), sees which application asks, signs in and allows
 * or denies it.
 */
@Controller('oauth2/device')
export class DeviceVerificationController {
  constructor(private readonly flow: DeviceFlowService) {}

  @Get()
  async show(@Query('user_code') typed: unknown, @Ip() ip: string, @Res() reply: FastifyReply): Promise<void> {
    if (typeof typed !== 'string' || typed === '') return sendPage(reply, 200, renderEnterCodePage());
    try {
      sendPage(reply, 200, renderApprovePage(await this.flow.pending(typed, ip)));
    } catch (error) {
      this.sendRefusal(reply, error, typed);
    }
  }

  @Post()
  async submit(@Body() body: unknown, @Ip() ip: string, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(body).requireNoRepeats();
    const typed = form.get('user_code') ?? '';
    const username = form.get('username');
    const password = form.get('password');
    const approve = form.get('action') !== 'deny';
    try {
      if (approve && (username === undefined || password === undefined)) {
        return sendPage(reply, 400, renderApprovePage({ ...(await this.flow.pending(typed, ip)), error: 'Enter your user name and password.' }));
      }
      let decision;
      try {
        decision = await this.flow.decide(typed, ip, approve ? { approve, username: username!, password: password! } : { approve });
      } catch (error) {
        // The sign-in is held, not the code: show the approval page again, with the wait.
        if (!(error instanceof AuthThrottledError) || !approve) throw error;
        const pending = await this.flow.pending(typed, ip);
        return sendPage(reply, 429, renderApprovePage({ ...pending, ...(username ? { username } : {}), error: THROTTLED }), { 'retry-after': String(error.retryAfterSec) });
      }
      if (decision === 'approved' || decision === 'denied') return sendPage(reply, 200, renderDonePage(decision === 'approved'));
      const pending = await this.flow.pending(typed, ip);
      sendPage(reply, 401, renderApprovePage({ ...pending, ...(username ? { username } : {}), error: 'Invalid user name or password.' }));
    } catch (error) {
      this.sendRefusal(reply, error, typed);
    }
  }

  private sendRefusal(reply: FastifyReply, error: unknown, typed: string): void {
    if (error instanceof UnusableUserCodeError) return sendPage(reply, 400, renderEnterCodePage({ error: NOT_VALID, typed: typed.slice(0, 32) }));
    if (error instanceof AuthThrottledError) return sendPage(reply, 429, renderEnterCodePage({ error: THROTTLED }), { 'retry-after': String(error.retryAfterSec) });
    throw error;
  }
}
