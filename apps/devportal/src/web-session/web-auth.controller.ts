import { Controller, Get, Header, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RpcErrorCodes } from '@app/contracts';
import { KeyManagerCallError } from '@app/platform';
import { BearerAuthError } from '../common/devportal.errors.js';
import { clearCookie, cookieNames, readCookie, setCookie } from './session-cookie.js';
import { requireCsrfToken } from './csrf.js';
import { WebSessionService } from './web-session.service.js';

const SIGN_IN_COOKIE_PATH = '/devportal/auth';

/**
 * The web app's sign-in endpoints (not part of the REST API, so not in its OpenAPI document):
 * `GET /devportal/auth/sign-in` → the Key Manager's sign-in page; `GET /devportal/auth/callback` ← its
 * answer; `GET /devportal/auth/session` for the app; `POST /devportal/auth/sign-out`.
 */
@ApiExcludeController()
@Controller('devportal/auth')
export class WebAuthController {
  constructor(private readonly sessions: WebSessionService) {}

  private get names() {
    return cookieNames(this.sessions.secureCookies);
  }

  @Get('sign-in')
  async signIn(@Query('returnTo') returnTo: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { location, binding } = await this.sessions.startSignIn(returnTo, request.id);
    void reply
      .code(302)
      .header('cache-control', 'no-store')
      .header('set-cookie', setCookie(this.names.signIn, binding, { secure: this.sessions.secureCookies, maxAgeSec: 600, path: SIGN_IN_COOKIE_PATH }))
      .header('location', location)
      .send();
  }

  @Get('callback')
  async callback(@Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const secure = this.sessions.secureCookies;
    const clearBinding = clearCookie(this.names.signIn, { secure, path: SIGN_IN_COOKIE_PATH });
    const back = (outcome: string) => void reply.code(302).header('cache-control', 'no-store').header('set-cookie', clearBinding).header('location', `/devportal/?signin=${outcome}`).send();
    if (query['error'] !== undefined) return back(query['error'] === 'access_denied' ? 'denied' : 'failed');
    let result: Awaited<ReturnType<WebSessionService['completeSignIn']>>;
    try {
      result = await this.sessions.completeSignIn(query, readCookie(request.headers.cookie, this.names.signIn), request.id);
    } catch (error) {
      if (error instanceof KeyManagerCallError && error.code === RpcErrorCodes.InvalidCredentials) return back('failed');
      if (error instanceof KeyManagerCallError || error instanceof BearerAuthError) return back(error instanceof BearerAuthError ? 'failed' : 'unavailable');
      throw error;
    }
    if ('failure' in result) return back('failed');
    void reply
      .code(302)
      .header('cache-control', 'no-store')
      .header('set-cookie', [clearBinding, setCookie(this.names.session, result.cookie, { secure, maxAgeSec: this.sessions.sessionLifetimeSec, path: '/' })])
      .header('location', result.returnTo)
      .send();
  }

  /** Who is signed in, the CSRF token the app sends with every change, and where the Key Manager is; 401 when no session. */
  @Get('session')
  @Header('cache-control', 'no-store')
  async session(@Req() request: FastifyRequest): Promise<{ username: string; csrfToken: string; expiresAt: number; keyManagerUrl: string }> {
    const cookie = readCookie(request.headers.cookie, this.names.session);
    const session = cookie ? await this.sessions.resolve(cookie, request.id) : undefined;
    if (!session) throw new BearerAuthError('AUTHENTICATION_REQUIRED', cookie ? 'Your session has ended: sign in again.' : 'Not signed in.');
    return { username: session.username, csrfToken: session.csrfToken, expiresAt: session.expiresAt, keyManagerUrl: this.sessions.keyManagerUrl };
  }

  /** Ends the session (tokens revoked at the Key Manager) and clears the cookie; 204 also when there was none. */
  @Post('sign-out')
  async signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const cookie = readCookie(request.headers.cookie, this.names.session);
    if (cookie) {
      const session = await this.sessions.resolve(cookie, request.id);
      if (session) requireCsrfToken(request, session.csrfToken);
      await this.sessions.signOut(cookie, request.id);
    }
    void reply
      .code(204)
      .header('cache-control', 'no-store')
      .header('set-cookie', clearCookie(this.names.session, { secure: this.sessions.secureCookies, path: '/' }))
      .send();
  }
}
