import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type Repository } from 'typeorm';
import type { GrantType, TokenTypeExtension } from '@app/contracts';
import { BatchLoader } from './batch-queue.util.js';
import { OAuthClientSecretEntity } from './entities/oauth-client-secret.entity.js';
import { OAuthClientEntity } from './entities/oauth-client.entity.js';
import { SqlService } from './sql.service.js';

/** What authenticating a client and issuing to it needs: no stored secret, only its lookup hash. */
export interface ClientRecord {
  clientId: string;
  /** Hex SHA-256 of the client's own consumer secret; null for public clients and once it is revoked. */
  secretHash: string | null;
  /** Hex SHA-256 of each secret added beside it that has not expired (read on the database clock). */
  addedSecretHashes: string[];
  owner: string;
  grantTypes: GrantType[];
  redirectUris: string[];
  tokenType: TokenTypeExtension;
  applicationTokenLifetime: number;
  userTokenLifetime: number;
  refreshTokenLifetime: number;
  publicClient: boolean;
  resourceServer: boolean;
  /** WSO2's `pkceMandatory`: the authorization code grant needs a PKCE challenge even for a confidential client. */
  pkceMandatory: boolean;
  /** WSO2's `pkceSupportPlain`: the `plain` challenge method is allowed besides S256. */
  pkceSupportPlain: boolean;
  /** The scopes it may be granted besides those every client may (`grantScopes`). */
  scopes: string[];
}

/** A client with everything stored about it, for management (DCR, NATS). */
export interface ClientDetails extends ClientRecord {
  id: string;
  clientName: string;
  /** The consumer secret in stored form; null for public clients and once it is revoked. */
  secret: { stored: string; scheme: string } | null;
  /** The `secretId` of that secret and when it was issued (null without one). */
  secretId: string | null;
  secretCreatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface ClientRow {
  client_id: string;
  client_secret_hash: string | null;
  added_secret_hashes: string[];
  owner: string;
  grant_types: GrantType[];
  redirect_uris: string[];
  token_type: TokenTypeExtension;
  application_token_lifetime: number;
  user_token_lifetime: number;
  refresh_token_lifetime: number;
  public_client: boolean;
  resource_server: boolean;
  pkce_mandatory: boolean;
  pkce_support_plain: boolean;
  scopes: string[];
}

const LOAD_CLIENTS = {
  name: 'km_load_clients',
  text: `SELECT client_id, client_secret_hash,
                ARRAY(SELECT s.secret_hash FROM oauth_client_secrets s
                       WHERE s.client_id = c.client_id AND (s.expires_at IS NULL OR s.expires_at > now())) AS added_secret_hashes,
                owner, grant_types, redirect_uris, token_type, application_token_lifetime,
                user_token_lifetime, refresh_token_lifetime, public_client, resource_server, pkce_mandatory, pkce_support_plain, scopes
           FROM oauth_clients c WHERE client_id = ANY($1::text[])`,
};

function toRecord(row: ClientRow): ClientRecord {
  return {
    clientId: row.client_id,
    secretHash: row.client_secret_hash,
    addedSecretHashes: row.added_secret_hashes,
    owner: row.owner,
    grantTypes: row.grant_types,
    redirectUris: row.redirect_uris,
    tokenType: row.token_type,
    applicationTokenLifetime: row.application_token_lifetime,
    userTokenLifetime: row.user_token_lifetime,
    refreshTokenLifetime: row.refresh_token_lifetime,
    publicClient: row.public_client,
    resourceServer: row.resource_server,
    pkceMandatory: row.pkce_mandatory,
    pkceSupportPlain: row.pkce_support_plain,
    scopes: row.scopes,
  };
}

function toDetails(entity: OAuthClientEntity, addedSecretHashes: string[] = []): ClientDetails {
  return {
    id: entity.id,
    clientId: entity.clientId,
    secretHash: entity.clientSecretHash,
    addedSecretHashes,
    secret: entity.clientSecret !== null && entity.clientSecretScheme !== null ? { stored: entity.clientSecret, scheme: entity.clientSecretScheme } : null,
    secretId: entity.clientSecret !== null ? entity.clientSecretId : null,
    secretCreatedAt: entity.clientSecret !== null ? entity.clientSecretCreatedAt : null,
    clientName: entity.clientName,
    owner: entity.owner,
    grantTypes: entity.grantTypes,
    redirectUris: entity.redirectUris,
    tokenType: entity.tokenType,
    applicationTokenLifetime: entity.applicationTokenLifetime,
    userTokenLifetime: entity.userTokenLifetime,
    refreshTokenLifetime: entity.refreshTokenLifetime,
    publicClient: entity.publicClient,
    resourceServer: entity.resourceServer,
    pkceMandatory: entity.pkceMandatory,
    pkceSupportPlain: entity.pkceSupportPlain,
    scopes: entity.scopes,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}

export type NewClient = Omit<ClientDetails, 'secretHash' | 'addedSecretHashes' | 'secret' | 'secretId' | 'secretCreatedAt' | 'createdAt' | 'updatedAt'> & {
  secret: { stored: string; scheme: string; hash: string } | null;
};

export type ClientChanges = Partial<
  Pick<
    ClientDetails,
    'clientName' | 'owner' | 'grantTypes' | 'redirectUris' | 'tokenType' | 'applicationTokenLifetime' | 'userTokenLifetime' | 'refreshTokenLifetime' | 'publicClient' | 'resourceServer' | 'pkceMandatory' | 'pkceSupportPlain' | 'scopes'
  >
>;

/** OAuth2 clients: batched look-ups for the hot paths, TypeORM for management. */
@Injectable()
export class ClientsRepository {
  private readonly loader: BatchLoader<string, ClientRecord>;

  constructor(
    sql: SqlService,
    @InjectRepository(OAuthClientEntity) private readonly clients: Repository<OAuthClientEntity>,
    private readonly dataSource: DataSource,
  ) {
    this.loader = new BatchLoader(
      async (ids) => {
        const rows = await sql.query<ClientRow>(LOAD_CLIENTS, [ids]);
        return new Map(rows.map((r) => [r.client_id, toRecord(r)]));
      },
      { maxBatch: 256, maxInFlight: 4 },
    );
  }

  /** The client as it is in the database now (batched with concurrent look-ups; never cached). */
  find(clientId: string): Promise<ClientRecord | undefined> {
    return this.loader.load(clientId);
  }

  async findDetails(clientId: string): Promise<ClientDetails | undefined> {
    const entity = await this.clients.findOneBy({ clientId });
    return entity ? toDetails(entity) : undefined;
  }

  async insert(client: NewClient, now = new Date()): Promise<ClientDetails> {
    const entity = this.clients.create({
      id: client.id,
      clientId: client.clientId,
      clientSecret: client.secret?.stored ?? null,
      clientSecretScheme: client.secret?.scheme ?? null,
      clientSecretHash: client.secret?.hash ?? null,
      clientSecretId: client.secret ? randomUUID() : null,
      clientSecretCreatedAt: client.secret ? now : null,
      clientName: client.clientName,
      owner: client.owner,
      grantTypes: client.grantTypes,
      redirectUris: client.redirectUris,
      tokenType: client.tokenType,
      applicationTokenLifetime: client.applicationTokenLifetime,
      userTokenLifetime: client.userTokenLifetime,
      refreshTokenLifetime: client.refreshTokenLifetime,
      publicClient: client.publicClient,
      resourceServer: client.resourceServer,
      pkceMandatory: client.pkceMandatory,
      pkceSupportPlain: client.pkceSupportPlain,
      scopes: client.scopes,
      createdAt: now,
      updatedAt: now,
    });
    await this.clients.insert(entity);
    return toDetails(entity);
  }

  /** Applies changes; undefined when there is no such client. */
  async update(clientId: string, changes: ClientChanges, now = new Date()): Promise<ClientDetails | undefined> {
    const result = await this.clients.update({ clientId }, { ...changes, updatedAt: now });
    if (!result.affected) return undefined;
    return this.findDetails(clientId);
  }

  /**
   * The client's own secret replaced, and every secret added beside it removed (WSO2's regenerate-secret:
   * the new secret is the only one). Undefined when there is no such confidential client.
   */
  async replaceSecret(clientId: string, secret: { stored: string; scheme: string; hash: string }, now = new Date()): Promise<ClientDetails | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.update(
        OAuthClientEntity,
        { clientId, publicClient: false },
        { clientSecret: secret.stored, clientSecretScheme: secret.scheme, clientSecretHash: secret.hash, clientSecretId: randomUUID(), clientSecretCreatedAt: now, updatedAt: now },
      );
      if (!result.affected) return undefined;
      await manager.delete(OAuthClientSecretEntity, { clientId });
      const entity = await manager.findOneBy(OAuthClientEntity, { clientId });
      return entity ? toDetails(entity) : undefined;
    });
  }

  /**
   * Deletes a client with its tokens and codes (ON DELETE CASCADE). Returns how many of its tokens were
   * still usable, or undefined when there is no such client.
   */
  async delete(clientId: string): Promise<{ revokedTokens: number } | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const locked: Array<{ id: string }> = await manager.query('SELECT id FROM oauth_clients WHERE client_id = $1 FOR UPDATE', [clientId]);
      if (locked.length === 0) return undefined;
      const [count] = (await manager.query(
        `SELECT count(*)::int AS n FROM oauth_tokens WHERE client_id = $1 AND state = 'ACTIVE' AND (expires_at > now() OR refresh_expires_at > now())`,
        [clientId],
      )) as Array<{ n: number }>;
      await manager.query('DELETE FROM oauth_clients WHERE client_id = $1', [clientId]);
      return { revokedTokens: count?.n ?? 0 };
    });
  }
}
