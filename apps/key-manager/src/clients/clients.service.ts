import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { DEVPORTAL_CLIENT_ID, type ClientView } from '@app/contracts';
import { CryptoError, SecretKinds } from '@app/crypto';
import { DEPLOYMENT_CONFIG, EncryptionService, ROOT_LOGGER } from '@app/platform';
import { KeyManagerError } from '../common/key-manager.errors.js';
import { reservedUserNames } from '../common/subject-names.util.js';
import { ClientsRepository, type ClientDetails, type ClientRecord } from '../persistence/clients.repository.js';
import { isUniqueViolation } from '../persistence/sql.service.js';
import { UsersRepository } from '../persistence/users.repository.js';
import { newClientId, newSecret } from '../tokens/secret-generator.util.js';
import { resolveClientSettings, type ClientSettingsInput, type SettingDefaults } from './client-settings.util.js';

/** A newly created client with its secret in plaintext: shown once, by the API that promises it. */
export interface CreatedClient {
  client: ClientDetails;
  secret: string | null;
}

/**
 * OAuth2 clients: registration (DCR and NATS), updates, secret regeneration, deletion (with every token of
 * the client). Consumer secrets are stored through the processor in force and found by hash; the only way
 * back to the plaintext is {@link revealSecret}, for the DCR responses that promise it.
 */
@Injectable()
export class ClientsService implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    private readonly clients: ClientsRepository,
    private readonly users: UsersRepository,
    private readonly encryption: EncryptionService,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'clients' });
  }

  /** Creates the portal's system client once; several instances starting together agree on one. */
  async onApplicationBootstrap(): Promise<void> {
    if (await this.clients.findDetails(DEVPORTAL_CLIENT_ID)) return;
    try {
      await this.insert({ clientName: 'Developer Portal', owner: this.config.superAdmin.username || 'admin', grantTypes: ['password', 'refresh_token'] }, DEVPORTAL_CLIENT_ID);
      this.logger.info({ clientId: DEVPORTAL_CLIENT_ID }, 'created the Developer Portal system client');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }

  /**
   * Registers a client. An id of the caller's choosing (DCR's `client_id`) must not be a reserved name or a
   * user's name, in any case: it would be the `sub` of the client's tokens, as the user name is of the
   * user's (RFC 9068 §5).
   */
  async create(input: ClientSettingsInput, clientId?: string): Promise<CreatedClient> {
    if (clientId !== undefined) {
      const reserved = reservedUserNames(this.config).has(clientId.toLowerCase());
      if (reserved || (await this.users.findByUsername(clientId))) {
        throw new KeyManagerError('INVALID_CLIENT_METADATA', 'client_id is taken: it names a user or a reserved account');
      }
    }
    return this.insert(input, clientId ?? newClientId());
  }

  private async insert(input: ClientSettingsInput, clientId: string): Promise<CreatedClient> {
    const settings = resolveClientSettings(input, this.defaults());
    const secret = settings.publicClient ? null : newSecret();
    const client = await this.clients.insert({
      id: randomUUID(),
      clientId,
      secret: secret === null ? null : this.encryption.processor.protect(SecretKinds.ConsumerSecret, secret),
      ...settings,
    });
    return { client, secret };
  }

  async get(clientId: string): Promise<ClientDetails> {
    const client = await this.clients.findDetails(clientId);
    if (!client) throw notFound();
    return client;
  }

  /** The client as the hot paths see it (authentication, issuance). */
  async record(clientId: string): Promise<ClientRecord> {
    const client = await this.clients.find(clientId);
    if (!client) throw notFound();
    return client;
  }

  /** Changes the given settings and keeps the others (WSO2's update semantics). */
  async update(clientId: string, input: ClientSettingsInput): Promise<ClientDetails> {
    const current = await this.get(clientId);
    if (input.publicClient !== undefined && input.publicClient !== current.publicClient) {
      throw new KeyManagerError('INVALID_CLIENT_METADATA', 'ext_public_client cannot be changed after registration');
    }
    const settings = resolveClientSettings(
      {
        clientName: input.clientName ?? current.clientName,
        owner: input.owner ?? current.owner,
        grantTypes: input.grantTypes ?? current.grantTypes,
        redirectUris: input.redirectUris ?? current.redirectUris,
        tokenType: input.tokenType ?? current.tokenType,
        applicationTokenLifetime: input.applicationTokenLifetime ?? current.applicationTokenLifetime,
        userTokenLifetime: input.userTokenLifetime ?? current.userTokenLifetime,
        refreshTokenLifetime: input.refreshTokenLifetime ?? current.refreshTokenLifetime,
        publicClient: current.publicClient,
        resourceServer: input.resourceServer ?? current.resourceServer,
        pkceMandatory: input.pkceMandatory ?? current.pkceMandatory,
        pkceSupportPlain: input.pkceSupportPlain ?? current.pkceSupportPlain,
        scopes: input.scopes ?? current.scopes,
      },
      this.defaults(),
    );
    const updated = await this.clients.update(clientId, settings);
    if (!updated) throw notFound();
    return updated;
  }

  /** A new consumer secret; the old one stops working at once (authentication reads the database each time). */
  async regenerateSecret(clientId: string): Promise<{ client: ClientDetails; secret: string }> {
    const current = await this.get(clientId);
    if (current.publicClient) throw new KeyManagerError('INVALID_REQUEST', 'a public client has no secret');
    const secret = newSecret();
    const client = await this.clients.replaceSecret(clientId, this.encryption.processor.protect(SecretKinds.ConsumerSecret, secret));
    if (!client) throw notFound();
    return { client, secret };
  }

  async delete(clientId: string): Promise<{ revokedTokens: number }> {
    if (clientId === DEVPORTAL_CLIENT_ID) throw new KeyManagerError('INVALID_REQUEST', 'the Developer Portal system client cannot be deleted');
    const result = await this.clients.delete(clientId);
    if (!result) throw notFound();
    return result;
  }

  /**
   * The plaintext consumer secret, decrypted with the scheme recorded beside it; null for a public client,
   * and for a secret stored as its hash only (it was shown once, when it was issued, and never again).
   * @throws KeyManagerError STORED_SECRET_UNREADABLE when it cannot be decrypted (never a guess).
   */
  revealSecret(client: ClientDetails): string | null {
    if (!client.secret) return null;
    try {
      return this.encryption.processor.reveal(SecretKinds.ConsumerSecret, client.secret);
    } catch (error) {
      if (error instanceof CryptoError && error.code === 'SECRET_HASH_ONLY') return null;
      if (error instanceof CryptoError) {
        this.logger.error({ clientId: client.clientId, code: error.code, scheme: client.secret.scheme }, `cannot decrypt the stored consumer secret: ${error.message}`);
        throw new KeyManagerError('STORED_SECRET_UNREADABLE', `the stored consumer secret of ${client.clientId} cannot be decrypted [${error.code}]`);
      }
      throw error;
    }
  }

  /**
   * The bus view of a client whose secret was just issued: {@link toView}, plus the plaintext when the
   * stored form cannot be read back (hash only) — the one moment it can be shown.
   */
  toIssuedView(client: ClientDetails, secret: string | null): ClientView {
    const view = this.toView(client);
    const hashOnly = secret !== null && client.secret !== null && this.encryption.processor.cipher.capability(client.secret.scheme) === 'hash-only';
    return hashOnly ? { ...view, issuedSecret: secret } : view;
  }

  /** The bus view: the consumer secret in stored form only (a public client's is empty, scheme `none`). */
  toView(client: ClientDetails): ClientView {
    return {
      clientId: client.clientId,
      clientSecret: client.secret && client.secretHash ? { ...client.secret, hash: client.secretHash } : { stored: '', scheme: 'none', hash: '' },
      clientName: client.clientName,
      owner: client.owner,
      grantTypes: client.grantTypes,
      redirectUris: client.redirectUris,
      tokenType: client.tokenType,
      applicationTokenLifetime: client.applicationTokenLifetime,
      userTokenLifetime: client.userTokenLifetime,
      refreshTokenLifetime: client.refreshTokenLifetime,
      pkceMandatory: client.pkceMandatory,
      pkceSupportPlain: client.pkceSupportPlain,
      scopes: client.scopes,
      createdAt: client.createdAt.toISOString(),
      updatedAt: client.updatedAt.toISOString(),
    };
  }

  private defaults(): SettingDefaults {
    return {
      owner: this.config.superAdmin.username || 'admin',
      applicationTokenLifetime: this.config.oauth.applicationAccessTokenLifetimeSec,
      userTokenLifetime: this.config.oauth.userAccessTokenLifetimeSec,
      refreshTokenLifetime: this.config.oauth.refreshTokenLifetimeSec,
    };
  }
}

function notFound(): KeyManagerError {
  return new KeyManagerError('CLIENT_NOT_FOUND', 'no such client');
}
