import { Body, Controller, Get, Ip, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizeService, type AuthorizeOutcome } from './authorize.service.js';
import { FormBody, formOf } from './form-body.util.js';
import { sendPage } from './html-page.util.js';

function send(reply: FastifyReply, outcome: AuthorizeOutcome): void {
  if (outcome.kind === 'redirect') {
    void reply.code(302).header('cache-control', 'no-store').header('location', outcome.location).send();
    return;
  }
  sendPage(reply, outcome.status, outcome.html, outcome.headers);
}

/** `/oauth2/authorize`: the sign-in form (GET) and its submission (POST). */
@Controller('oauth2/authorize')
export class AuthorizeController {
  constructor(private readonly authorize: AuthorizeService) {}

  @Get()
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const q = request.url.indexOf('?');
    send(reply, await this.authorize.show(FormBody.parse(q < 0 ? '' : request.url.slice(q + 1))));
  }

  @Post()
  async submit(@Body() body: unknown, @Ip() ip: string, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.authorize.submit(formOf(body), ip));
  }
}
