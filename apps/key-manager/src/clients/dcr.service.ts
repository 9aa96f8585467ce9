import { Injectable } from '@nestjs/common';
import { KeyManagerError } from '../common/key-manager.errors.js';
import type { ClientDetails } from '../persistence/clients.repository.js';
import { ClientsService } from './clients.service.js';
import { parseDcrRequest } from './dcr-request.parser.js';

/** A client as the DCR API shows it: RFC 7591 §3.2.1 plus WSO2's extension fields. */
export interface DcrClientResponse {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: 0;
  client_name: string;
  grant_types: string[];
  redirect_uris: string[];
  token_endpoint_auth_method: 'client_secret_basic' | 'none';
  token_type_extension: string;
  ext_application_owner: string;
  ext_application_token_lifetime: number;
  ext_user_token_lifetime: number;
  ext_refresh_token_lifetime: number;
  ext_resource_server: boolean;
  ext_public_client: boolean;
  ext_pkce_mandatory: boolean;
  ext_pkce_support_plain: boolean;
  /** The scopes the client may be granted: WSO2's field, and RFC 7591's `scope` when there are any. */
  application_scopes: string[];
  scope?: string;
}

function toResponse(client: ClientDetails, secret: string | null): DcrClientResponse {
  return {
    client_id: client.clientId,
    ...(secret !== null ? { client_secret: secret, client_secret_expires_at: 0 as const } : {}),
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    client_name: client.clientName,
    grant_types: client.grantTypes,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: client.publicClient ? 'none' : 'client_secret_basic',
    token_type_extension: client.tokenType,
    ext_application_owner: client.owner,
    ext_application_token_lifetime: client.applicationTokenLifetime,
    ext_user_token_lifetime: client.userTokenLifetime,
    ext_refresh_token_lifetime: client.refreshTokenLifetime,
    ext_resource_server: client.resourceServer,
    ext_public_client: client.publicClient,
    ext_pkce_mandatory: client.pkceMandatory,
    ext_pkce_support_plain: client.pkceSupportPlain,
    application_scopes: client.scopes,
    ...(client.scopes.length > 0 ? { scope: client.scopes.join(' ') } : {}),
  };
}

/**
 * WSO2's Key Manager DCR API (`/keymanager-operations/dcr/register`). Like WSO2's, it answers with the
 * consumer secret in plaintext — on registration, and on read and update (decrypted then), except a secret
 * stored as its hash only (`enable_token_hashing`), which is shown on registration and never again.
 */
@Injectable()
export class DcrService {
  constructor(private readonly clients: ClientsService) {}

  async register(body: unknown): Promise<DcrClientResponse> {
    const { clientId, ...input } = parseDcrRequest(body);
    if (clientId !== undefined) throw new KeyManagerError('INVALID_CLIENT_METADATA', 'client_id is assigned by the server');
    const created = await this.clients.create(input);
    return toResponse(created.client, created.secret);
  }

  async get(clientId: string): Promise<DcrClientResponse> {
    const client = await this.clients.get(clientId);
    return toResponse(client, this.clients.revealSecret(client));
  }

  async update(clientId: string, body: unknown): Promise<DcrClientResponse> {
    const { clientId: named, ...input } = parseDcrRequest(body);
    if (named !== undefined && named !== clientId) throw new KeyManagerError('INVALID_CLIENT_METADATA', 'client_id in the body differs from the one in the path');
    const client = await this.clients.update(clientId, input);
    return toResponse(client, this.clients.revealSecret(client));
  }

  async delete(clientId: string): Promise<void> {
    await this.clients.delete(clientId);
  }
}
