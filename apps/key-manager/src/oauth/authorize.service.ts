import { Inject, Injectable } from '@nestjs/common';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { refusedGrantReason } from '@app/contracts';
import { AuthThrottledError, OAuthError, type OAuthErrorCode } from '../common/key-manager.errors.js';
import { ClientsRepository, type ClientRecord } from '../persistence/clients.repository.js';
import { grantableScopes, parseScopeParameter } from '../tokens/scopes.util.js';
import { TokensService } from '../tokens/tokens.service.js';
import { UsersService } from '../users/users.service.js';
import { hasPattern, matchesRegisteredRedirect } from '@app/contracts';
import { PLAIN_PREFIX } from '../tokens/pkce.util.js';
import type { FormBody } from './form-body.util.js';
import { renderErrorPage, renderLoginPage } from './login-page.view.js';

/** What the controller writes: an HTML page, or a redirect to the client. */
export type AuthorizeOutcome = { kind: 'page'; status: number; html: string; headers?: Record<string, string> } | { kind: 'redirect'; location: string };

/** A validated authorization request. */
interface AuthorizationRequest {
  client: ClientRecord;
  redirectUri: string;
  redirectUriInRequest: boolean;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | null;
  /** OIDC: repeated in the ID token. */
  nonce: string | null;
}

/** The request parameters the login form carries through. */
const FORWARDED = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'max_age', 'prompt'] as const;
const MAX_NONCE_LENGTH = 512;
// RFC 7636: the S256 challenge is BASE64URL(SHA-256(verifier)) = 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PLAIN_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;
export const PKCE_MANDATORY_MESSAGE = 'PKCE is mandatory for this application. PKCE Challenge is not provided or is not upto RFC 7636 specification.';

class PageError extends Error {
  constructor(
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

class RedirectError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    readonly request: { redirectUri: string; state: string | undefined },
  ) {
    super(message);
  }
}

/**
 * The authorization endpoint (RFC 6749 §4.1 with PKCE, RFC 7636, S256 only). Until the client and its
 * redirect URI are known to be registered, errors are an HTML page (never a redirect: that would make the
 * endpoint an open redirector); after that they go back to the client as `error` parameters.
 */
@Injectable()
export class AuthorizeService {
  constructor(
    private readonly clients: ClientsRepository,
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
  ) {}

  /** `GET /oauth2/authorize`: validates the request and shows the sign-in form. */
  async show(params: FormBody): Promise<AuthorizeOutcome> {
    return this.handle(params, async (request) => this.loginPage(params, request, 200));
  }

  /** `POST /oauth2/authorize`: the sign-in form's submission. */
  async submit(params: FormBody, ip: string): Promise<AuthorizeOutcome> {
    return this.handle(params, async (request) => {
      if (params.get('action') === 'deny') throw new RedirectError('access_denied', 'the user denied the request', request);
      const username = params.get('username');
      const password = params.get('password');
      if (username === undefined || password === undefined) return this.loginPage(params, request, 400, 'Enter your user name and password.');
      let user;
      try {
        user = await this.users.verify(username, password, ip);
      } catch (error) {
        if (!(error instanceof AuthThrottledError)) throw error;
        return { ...(await this.loginPage(params, request, 429, 'Too many failed attempts. Try again later.')), headers: { 'retry-after': String(error.retryAfterSec) } };
      }
      if (!user) return this.loginPage(params, request, 401, 'Invalid user name or password.');
      const code = await this.tokens.createAuthorizationCode({
        client: request.client,
        username: user.username,
        redirectUri: request.redirectUri,
        redirectUriInRequest: request.redirectUriInRequest,
        scopes: request.scopes,
        codeChallenge: request.codeChallenge,
        nonce: request.nonce,
        authTime: Math.floor(Date.now() / 1000),
        lifetimeSec: this.config.oauth.authorizationCodeLifetimeSec,
      });
      return { kind: 'redirect', location: this.redirectWith(request, { code }) };
    });
  }

  private async handle(params: FormBody, next: (request: AuthorizationRequest) => Promise<AuthorizeOutcome>): Promise<AuthorizeOutcome> {
    try {
      return await next(await this.validate(params));
    } catch (error) {
      if (error instanceof PageError) return { kind: 'page', status: 400, html: renderErrorPage(error.title, error.message) };
      if (error instanceof RedirectError) {
        return { kind: 'redirect', location: this.redirectWith(error.request, { error: error.code, error_description: error.message }) };
      }
      throw error;
    }
  }

  private async validate(params: FormBody): Promise<AuthorizationRequest> {
    const single = (name: string): string | undefined => {
      try {
        return params.get(name);
      } catch {
        throw new PageError('Invalid request', `The parameter ${name} appears more than once.`);
      }
    };
    const clientId = single('client_id');
    if (clientId === undefined) throw new PageError('Invalid request', 'The request does not name a client (client_id).');
    const client = clientId.length <= 128 ? await this.clients.find(clientId) : undefined;
    if (!client) throw new PageError('Unknown client', 'The application that sent you here is not registered.');
    const given = single('redirect_uri');
    let redirectUri: string;
    if (given !== undefined) {
      if (!matchesRegisteredRedirect(client.redirectUris, given)) throw new PageError('Invalid redirect URI', 'The redirect URI is not registered for this application.');
      redirectUri = given;
    } else if (client.redirectUris.length === 1 && !hasPattern(client.redirectUris)) {
      redirectUri = client.redirectUris[0]!;
    } else {
      throw new PageError('Invalid redirect URI', 'The request must name one of the application’s registered redirect URIs.');
    }

    // From here on the redirect URI is trusted: errors go back to the client.
    const state = single('state');
    const back = { redirectUri, state };
    const fail = (code: OAuthErrorCode, message: string) => new RedirectError(code, message, back);
    if (params.repeated !== undefined) throw fail('invalid_request', `parameter ${params.repeated} is included more than once`);
    const responseType = params.get('response_type');
    if (responseType === undefined) throw fail('invalid_request', 'response_type is required');
    if (responseType === 'token') throw fail('unsupported_response_type', refusedGrantReason('implicit')!);
    if (responseType !== 'code') throw fail('unsupported_response_type', 'only response_type=code is supported (no implicit or hybrid flows)');
    // OIDC Core §6: request objects are not supported; say so rather than ignore their parameters.
    if (params.has('request')) throw fail('request_not_supported', 'request objects are not supported');
    if (params.has('request_uri')) throw fail('request_uri_not_supported', 'request_uri is not supported');
    // OIDC Core §3.1.2.1: there is no sign-in session to reuse, so a request that forbids the sign-in page cannot succeed.
    if ((params.get('prompt') ?? '').split(' ').includes('none')) throw fail('login_required', 'the user must sign in (prompt=none cannot be satisfied)');
    const maxAge = params.get('max_age');
    if (maxAge !== undefined && !/^\d{1,10}$/.test(maxAge)) throw fail('invalid_request', 'max_age must be a number of seconds');
    const nonce = params.get('nonce');
    if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH) throw fail('invalid_request', `nonce must be at most ${MAX_NONCE_LENGTH} characters`);
    if (!client.grantTypes.includes('authorization_code')) throw fail('unauthorized_client', 'the client is not allowed to use the authorization_code grant');
    let scopes: string[];
    try {
      // Only what the client may have is recorded and shown on the sign-in page; the rest is dropped.
      scopes = grantableScopes(parseScopeParameter(params.get('scope')), client.scopes);
    } catch (error) {
      if (error instanceof OAuthError) throw fail('invalid_scope', error.message);
      throw error;
    }
    const challenge = params.get('code_challenge');
    const method = params.get('code_challenge_method');
    let codeChallenge: string | null = null;
    if (challenge === undefined) {
      if (client.publicClient) throw fail('invalid_request', 'PKCE is required for public clients: send code_challenge with code_challenge_method=S256');
      // WSO2's words for an application with pkceMandatory (identity-inbound-auth-oauth OAuth2AuthzEndpoint).
      if (client.pkceMandatory) throw fail('invalid_request', PKCE_MANDATORY_MESSAGE);
      if (method !== undefined) throw fail('invalid_request', 'code_challenge_method without code_challenge');
    } else if (method === 'S256') {
      if (!S256_CHALLENGE.test(challenge)) throw fail('invalid_request', 'code_challenge is not a base64url SHA-256 value');
      codeChallenge = challenge;
    } else if (method === undefined || method === 'plain') {
      // RFC 7636 §4.3: no method means plain. Only for an application with WSO2's pkceSupportPlain.
      if (!client.pkceSupportPlain) throw fail('invalid_request', 'code_challenge_method must be S256 (this application does not allow plain)');
      if (!PLAIN_CHALLENGE.test(challenge)) throw fail('invalid_request', 'a plain code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)');
      codeChallenge = `${PLAIN_PREFIX}${challenge}`;
    } else {
      throw fail('invalid_request', 'code_challenge_method must be S256 or plain');
    }
    return { client, redirectUri, redirectUriInRequest: given !== undefined, scopes, state, codeChallenge, nonce: nonce ?? null };
  }

  private async loginPage(params: FormBody, request: AuthorizationRequest, status: number, error?: string): Promise<AuthorizeOutcome> {
    // People see the application's name; the record used for authorization carries only what issuance needs.
    const clientName = (await this.clients.findDetails(request.client.clientId))?.clientName ?? request.client.clientId;
    const hidden = FORWARDED.flatMap((name): Array<[string, string]> => {
      const value = params.get(name);
      return value === undefined ? [] : [[name, value]];
    });
    const username = params.get('username');
    return {
      kind: 'page',
      status,
      html: renderLoginPage({
        clientName,
        scopes: request.scopes,
        hidden,
        ...(username !== undefined ? { username } : {}),
        ...(error !== undefined ? { error } : {}),
      }),
    };
  }

  /** The redirect URI with the response parameters added to its query (RFC 6749 §4.1.2), plus `iss` (RFC 9207). */
  private redirectWith(request: { redirectUri: string; state: string | undefined }, values: Record<string, string>): string {
    const url = new URL(request.redirectUri);
    for (const [name, value] of Object.entries(values)) url.searchParams.append(name, value);
    if (request.state !== undefined) url.searchParams.append('state', request.state);
    url.searchParams.append('iss', this.config.oauth.issuer);
    return url.toString();
  }
}
