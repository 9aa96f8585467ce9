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
  device_authorization: ['client_secret_basic', 'client_secret_post', 'none'],
  revocation: ['client_secret_basic', 'client_secret_post', 'none'],
  introspection: ['client_secret_basic', 'client_secret_post'],
} as const satisfies Record<string, readonly ClientAuthMethod[]>;

/** An endpoint that authenticates clients. */
export type ClientAuthEndpoint = keyof typeof CLIENT_AUTH_METHODS;

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

/** The credentials a request presents, once its method is known (before anything is checked). */
type Presented =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'none'; clientId: string };

const MAX_CLIENT_ID = 128;

/**
 * WSO2's error_description for a wrong or unknown client (identity-inbound-auth-oauth AccessTokenIssuer;
 * product-apim integration-v2 key-manager/token_issuance.feature asserts it).
 */
export const CLIENT_CREDENTIALS_INVALID = 'Client credentials are invalid.';

/**
 * Client authentication — the one mechanism behind every endpoint that authenticates a client (token,
 * device authorization, revocation, introspection): it tells which method a request uses
 * (`client_secret_basic`, `client_secret_post`, or `none` for public clients: client_id only), refuses a
 * method the endpoint does not list in `CLIENT_AUTH_METHODS` (= the metadata), and checks the secret
 * against the stored SHA-256 of each of the client's secrets that has not expired, in constant time — never
 * decrypted. Every attempt goes through the
 * authentication throttle (AuthThrottle).
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

  async authenticate(endpoint: ClientAuthEndpoint, { authorization, form, ip }: PresentedCredentials): Promise<AuthenticatedClient> {
    const presented = this.presented(authorization, form);
    const viaBasic = presented.method === 'client_secret_basic';
    if (!(CLIENT_AUTH_METHODS[endpoint] as readonly ClientAuthMethod[]).includes(presented.method)) {
      throw this.failure('missing', `authenticate with ${CLIENT_AUTH_METHODS[endpoint].join(' or ')}`, viaBasic);
    }
    if (presented.method === 'none') return { client: await this.verifyPublic(presented.clientId, ip), method: 'none' };
    return { client: await this.verifySecret(presented.clientId, presented.secret, ip, viaBasic), method: presented.method };
  }

  /**
   * A caller of the introspection endpoint: the super admin (HTTP Basic, as WSO2's default), or a client by
   * any method introspection lists. Returns null for the super admin.
   */
  async authenticateIntrospectionCaller(presented: PresentedCredentials): Promise<ClientRecord | null> {
    const basic = parseBasicAuthorization(presented.authorization);
    if (basic && this.admin.isAdminName(basic.username)) {
      if (!(await this.guard(this.admin.authenticate(basic.username, basic.password, presented.ip)))) throw this.failure('bad_secret', CLIENT_CREDENTIALS_INVALID, true);
      return null;
    }
    if (basic === undefined && !presented.form.has('client_id')) {
      throw this.failure('missing', 'authenticate as a client (HTTP Basic, or client_id and client_secret in the body) or as the super admin (HTTP Basic)', true);
    }
    return (await this.authenticate('introspection', presented)).client;
  }

  /**
   * A client's secret presented over the bus rather than to an OAuth2 endpoint (the portal's map-keys, which
   * must prove the caller holds the client): the same check as `client_secret_basic`/`_post`, under the same
   * throttle, with the same answer for an unknown client and a wrong secret.
   */
  authenticateSecret(clientId: string, secret: string, ip: string | undefined): Promise<ClientRecord> {
    return this.verifySecret(clientId, secret, ip, false);
  }

  /** Which method the request uses, and its credentials; refuses a request that mixes or garbles them. */
  private presented(authorization: string | undefined, form: FormBody): Presented {
    const basic = parseBasicAuthorization(authorization);
    const formId = form.get('client_id');
    const formSecret = form.get('client_secret');
    if (basic === null) throw this.failure('malformed', 'the Authorization header is not valid Basic credentials', true);
    // private_key_jwt / client_secret_jwt are not listed: an assertion is refused, never read as `none`.
    if (form.has('client_assertion') || form.has('client_assertion_type')) {
      throw this.failure('unsupported_method', 'client_assertion (private_key_jwt, client_secret_jwt) is not a supported client authentication method: use client_secret_basic or client_secret_post', basic !== undefined);
    }
    if (basic) {
      if (formSecret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method: Basic or client_secret in the body, not both');
      if (formId !== undefined && formId !== basic.username) throw new OAuthError('invalid_request', 'client_id in the body differs from the Basic credentials');
      return { method: 'client_secret_basic', clientId: basic.username, secret: basic.password };
    }
    if (formId === undefined) throw this.failure('missing', 'client authentication is required', false);
    if (formSecret !== undefined) return { method: 'client_secret_post', clientId: formId, secret: formSecret };
    return { method: 'none', clientId: formId };
  }

  private async verifySecret(clientId: string, secret: string, ip: string | undefined, viaBasic: boolean): Promise<ClientRecord> {
    const { verified, client } = await this.verifyClient(clientId, ip, (c) => this.matchesAnySecret(secret, c));
    if (!verified) throw this.failure(client ? 'bad_secret' : 'unknown_client', CLIENT_CREDENTIALS_INVALID, viaBasic);
    return verified;
  }

  /**
   * Whether the secret is one of the client's: its own, or one added beside it that has not expired (WSO2 4.7,
   * OAuth2Util.isClientSecretValid). Every hash is compared, in constant time, whichever matches.
   */
  private matchesAnySecret(secret: string, client: ClientRecord): boolean {
    let matched = client.secretHash !== null && this.encryption.processor.matches(secret, client.secretHash);
    for (const hash of client.addedSecretHashes) matched = this.encryption.processor.matches(secret, hash) || matched;
    return matched;
  }

  private async verifyPublic(clientId: string, ip: string): Promise<ClientRecord> {
    const { verified, client } = await this.verifyClient(clientId, ip, (c) => c.publicClient);
    if (!verified) throw this.failure(client ? 'missing' : 'unknown_client', client ? 'this client must authenticate with its secret' : CLIENT_CREDENTIALS_INVALID, false);
    return verified;
  }

  /** Looks the client up and asks `accepts`, under the throttle; `client` is what the look-up found, for the failure's reason. */
  private async verifyClient(clientId: string, ip: string | undefined, accepts: (client: ClientRecord) => boolean): Promise<{ verified: ClientRecord | undefined; client: ClientRecord | undefined }> {
    let client: ClientRecord | undefined;
    const check = async () => {
      client = clientId.length <= MAX_CLIENT_ID ? await this.clients.find(clientId) : undefined;
      return client && accepts(client) ? client : undefined;
    };
    const verified = await this.guard(this.throttle.verify({ kind: 'client', account: clientId, address: ip }, check, { alongside: true }));
    return { verified, client };
  }

  /** Counts a throttled attempt among the client authentication failures (reason `throttled`). */
  private async guard<T>(attempt: Promise<T>): Promise<T> {
    try {
      return await attempt;
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
