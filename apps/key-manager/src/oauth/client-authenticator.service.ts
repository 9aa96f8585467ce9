import { Injectable } from '@nestjs/common';
import { EncryptionService } from '@app/platform';
import { AuthThrottle } from '../common/auth-throttle.service.js';
import { AdminAuthenticator } from '../common/admin-authenticator.service.js';
import { parseBasicAuthorization } from '../common/basic-credentials.util.js';
import { AuthThrottledError, OAuthError } from '../common/key-manager.errors.js';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';
import { ClientsRepository, type ClientRecord } from '../persistence/clients.repository.js';
import type { FormBody } from './form-body.util.js';

/** How a client proved who it is (RFC 8414 `token_endpoint_auth_methods_supported`). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * What each endpoint that authenticates a client accepts — and what the metadata advertises, from this one
 * list. The device authorization endpoint accepts what the token endpoint does (RFC 8628 §3.1).
 * Introspection has no `none`: a client without a secret cannot prove who it is to read token contents.
 */
export const CLIENT_AUTH_METHODS = {
  token: ['client_secret_basic', 'client_secret_post', 'none'],
  revocation: ['client_secret_basic', 'client_secret_post', 'none'],
  introspection: ['client_secret_basic', 'client_secret_post'],
} as const satisfies Record<string, readonly ClientAuthMethod[]>;

export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientAuthMethod;
}

/** What the request offered as credentials, independent of the transport. */
export interface PresentedCredentials {
  authorization: string | undefined;
  form: FormBody;
  ip: string;
}

const MAX_CLIENT_ID = 128;

/**
 * Client authentication at the token and revocation endpoints: `client_secret_basic`, `client_secret_post`,
 * or `none` for public clients (client_id only). Secrets are checked against their stored SHA-256 in
 * constant time — never decrypted. Failures are counted per client id and per address, and refused early
 * once over the limit.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientsRepository,
    private readonly encryption: EncryptionService,
    private readonly throttle: AuthThrottle,
    private readonly metrics: KeyManagerMetrics,
    private readonly admin: AdminAuthenticator,
  ) {}

  async authenticate({ authorization, form, ip }: PresentedCredentials): Promise<AuthenticatedClient> {
    const basic = parseBasicAuthorization(authorization);
    const formId = form.get('client_id');
    const formSecret = form.get('client_secret');
    if (basic === null) throw this.failure('malformed', 'the Authorization header is not valid Basic credentials', true);
    if (basic) {
      if (formSecret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method: Basic or client_secret in the body, not both');
      if (formId !== undefined && formId !== basic.username) throw new OAuthError('invalid_request', 'client_id in the body differs from the Basic credentials');
      return { client: await this.verifySecret(basic.username, basic.password, ip, true), method: 'client_secret_basic' };
    }
    if (formId === undefined) throw this.failure('missing', 'client authentication is required', false);
    if (formSecret !== undefined) return { client: await this.verifySecret(formId, formSecret, ip, false), method: 'client_secret_post' };
    return { client: await this.verifyPublic(formId, ip), method: 'none' };
  }

  /**
   * A caller of the introspection endpoint: the super admin or a confidential client, with Basic only.
   * Returns null for the super admin.
   */
  async authenticateIntrospectionCaller(authorization: string | undefined, ip: string): Promise<ClientRecord | null> {
    const basic = parseBasicAuthorization(authorization);
    if (!basic) throw this.failure(basic === null ? 'malformed' : 'missing', 'authenticate with HTTP Basic as a client or the super admin', true);
    if (this.admin.isAdminName(basic.username)) {
      const keys = [`admin:${basic.username}`, `ip:${ip}`];
      this.guard(keys);
      if (!this.admin.verify(basic.username, basic.password)) {
        this.throttle.fail(keys);
        throw this.failure('bad_secret', 'client authentication failed', true);
      }
      return null;
    }
    return this.verifySecret(basic.username, basic.password, ip, true);
  }

  private async verifySecret(clientId: string, secret: string, ip: string, viaBasic: boolean): Promise<ClientRecord> {
    const keys = [`client:${clientId}`, `ip:${ip}`];
    this.guard(keys);
    const client = clientId.length <= MAX_CLIENT_ID ? await this.clients.find(clientId) : undefined;
    const ok = client !== undefined && client.secretHash !== null && this.encryption.processor.matches(secret, client.secretHash);
    if (!ok) {
      this.throttle.fail(keys);
      throw this.failure(client ? 'bad_secret' : 'unknown_client', 'client authentication failed', viaBasic);
    }
    return client;
  }

  private async verifyPublic(clientId: string, ip: string): Promise<ClientRecord> {
    const keys = [`client:${clientId}`, `ip:${ip}`];
    this.guard(keys);
    const client = clientId.length <= MAX_CLIENT_ID ? await this.clients.find(clientId) : undefined;
    if (!client?.publicClient) {
      this.throttle.fail(keys);
      throw this.failure(client ? 'missing' : 'unknown_client', client ? 'this client must authenticate with its secret' : 'client authentication failed', false);
    }
    return client;
  }

  private guard(keys: string[]): void {
    try {
      this.throttle.check(keys);
    } catch (error) {
      if (error instanceof AuthThrottledError) this.metrics.clientAuthFailures.inc({ reason: 'throttled' });
      throw error;
    }
  }

  private failure(reason: string, message: string, viaBasic: boolean): OAuthError {
    this.metrics.clientAuthFailures.inc({ reason });
    return new OAuthError('invalid_client', message, { basicChallenge: viaBasic });
  }
}
