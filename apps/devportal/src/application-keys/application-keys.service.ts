import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { KeyManagerPatterns, RpcErrorCodes, type ClientView, type GrantType } from '@app/contracts';
import { KeyManagerCallError, KeyManagerClient, ROOT_LOGGER } from '@app/platform';
import type { Caller } from '../auth/caller.js';
import {
  ApplicationNotFoundError,
  GrantNotSupportedError,
  InvalidConsumerSecretError,
  InvalidRequestError,
  KeyMappingExistsError,
  KeyNotFoundError,
  KeysAlreadyGeneratedError,
  MapKeysCredentialsError,
} from '../common/devportal.errors.js';
import type { ApplicationEntity } from '../persistence/application.entity.js';
import { ApplicationKeyEntity, type KeyMode } from '../persistence/application-key.entity.js';
import { ApplicationKeysRepository } from '../persistence/application-keys.repository.js';
import { ApplicationsRepository } from '../persistence/applications.repository.js';
import { ApplicationKeyCache, type CachedKey } from './application-key-cache.js';
import { toApplicationKeyDto } from './application-key.mapper.js';
import { ConsumerSecretsService } from './consumer-secrets.service.js';
import type { ApplicationKeyDto, ApplicationKeyListDto, ApplicationTokenDto, RegeneratedSecretDto } from './dto/application-key.dto.js';
import type { GenerateKeysDto, KeyType, UpdateApplicationKeyDto } from './dto/generate-keys.dto.js';
import type { GenerateTokenDto } from './dto/generate-token.dto.js';
import type { MapKeysDto } from './dto/map-keys.dto.js';
import { parseKeyAdditionalProperties, type KeyAdditionalProperties } from './dto/additional-properties.util.js';
import { clientNameOf, deleteClientIfPresent, keyManagerTokenType, releaseClientOf } from './key-manager-clients.util.js';

/** The Key Manager's answers that say a key is not (or no longer) what a cached entry says it is. */
const KEY_MANAGER_REFUSALS: ReadonlySet<string> = new Set([RpcErrorCodes.NotFound, RpcErrorCodes.InvalidRequest, RpcErrorCodes.InvalidCredentials]);

/**
 * An application's OAuth2 keys: each is a client in the Key Manager, recorded here with its consumer
 * secret exactly as the Key Manager stored it. Every operation first checks that the application belongs
 * to the caller; someone else's application or key is "not found".
 *
 * generate-token reads what it needs about the key through the {@link ApplicationKeyCache}, its steady state
 * free of database queries; every change here to a key's grant types, own secret or existence goes through
 * `keyCache.changing`, which forgets those entries on every instance. The other operations read the key's
 * full row from the database each time: they are rare, they show or change fields the cache does not hold
 * (the callback URL, the secret to reveal, the validity time), and a write must start from the row as it is.
 */
@Injectable()
export class ApplicationKeysService {
  private readonly logger: Logger;

  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly keys: ApplicationKeysRepository,
    private readonly keyManager: KeyManagerClient,
    private readonly secrets: ConsumerSecretsService,
    private readonly keyCache: ApplicationKeyCache,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'application-keys' });
  }

  async generate(caller: Caller, applicationId: string, dto: GenerateKeysDto): Promise<ApplicationKeyDto> {
    const application = await this.ownedApplication(caller, applicationId);
    if (await this.keys.findByType(application.id, dto.keyType)) throw new KeysAlreadyGeneratedError(dto.keyType);
    requireCallbackForCodeGrant(dto.grantTypesToBeSupported, dto.callbackUrl ?? null);
    const properties = parseKeyAdditionalProperties(dto.additionalProperties);
    // WSO2's application_access_token_expiry_time sets the client's lifetime; validityTime does when it is absent.
    const applicationTokenLifetime = properties.applicationTokenLifetime ?? dto.validityTime;

    const client = await this.keyManager.call(
      KeyManagerPatterns.ClientCreate,
      {
        clientName: clientNameOf(caller.username, application.name, dto.keyType),
        owner: caller.username,
        grantTypes: dto.grantTypesToBeSupported,
        redirectUris: dto.callbackUrl ? [dto.callbackUrl] : [],
        tokenType: keyManagerTokenType(application.tokenType),
        ...clientSettingsOf({ ...properties, applicationTokenLifetime }),
        // The key's scopes are the ones its client may be granted (and what its tokens ask for by default).
        ...(dto.scopes !== undefined && dto.scopes.length > 0 ? { scopes: dto.scopes } : {}),
      },
      caller.requestId,
    );
    const row = newKeyRow(application.id, dto.keyType, client, 'CREATED', dto.scopes ?? []);
    try {
      await this.keys.insert(row);
    } catch (error) {
      // Two generate calls raced: keep the first key, remove the client this call created.
      await deleteClientIfPresent(this.keyManager, client.clientId, caller.requestId).catch((e: unknown) =>
        this.logger.warn({ requestId: caller.requestId, clientId: client.clientId, err: e }, 'could not remove the client of a key that was not stored'),
      );
      throw error;
    }
    this.logger.info({ requestId: caller.requestId, applicationId, keyMappingId: row.id, keyType: row.keyType, clientId: row.consumerKey }, 'generated application keys');

    const consumerSecret = this.secrets.issued(client);
    const token = row.supportedGrantTypes.includes('client_credentials') ? await this.firstToken(caller, row) : undefined;
    return toApplicationKeyDto(row, { consumerSecret, client, ...(token ? { token } : {}) });
  }

  /**
   * WSO2's map-keys: an existing client of the Key Manager becomes the application's keys of one type. The
   * Key Manager first checks the presented secret (client authentication, throttled); only then is the
   * client looked for among every application's keys, so the call tells nothing about a client whose secret
   * the caller does not hold. A mapped client is the caller's own: the portal neither renames nor deletes it.
   */
  async mapKeys(caller: Caller, applicationId: string, dto: MapKeysDto, sourceAddress: string): Promise<ApplicationKeyDto> {
    const application = await this.ownedApplication(caller, applicationId);
    if (await this.keys.findByType(application.id, dto.keyType)) throw new KeysAlreadyGeneratedError(dto.keyType);
    let client: ClientView;
    try {
      client = await this.keyManager.call(KeyManagerPatterns.ClientMap, { clientId: dto.consumerKey, clientSecret: dto.consumerSecret, sourceAddress }, caller.requestId);
    } catch (error) {
      if (error instanceof KeyManagerCallError && error.code === RpcErrorCodes.InvalidCredentials) throw new MapKeysCredentialsError(dto.consumerKey);
      throw error;
    }
    if (await this.keys.consumerKeyTaken(client.clientId)) throw new KeyMappingExistsError(client.clientId);
    const row = newKeyRow(application.id, dto.keyType, client, 'MAPPED', client.scopes ?? []);
    await this.keys.insert(row);
    this.logger.info({ requestId: caller.requestId, applicationId, keyMappingId: row.id, keyType: row.keyType, clientId: row.consumerKey }, 'mapped an existing client as application keys');
    const token = row.supportedGrantTypes.includes('client_credentials') ? await this.firstToken(caller, row) : undefined;
    // WSO2 answers with the secret it was given (not necessarily the client's own, which the key shows from now on).
    return toApplicationKeyDto(row, { consumerSecret: dto.consumerSecret, client, ...(token ? { token } : {}) });
  }

  async list(caller: Caller, applicationId: string): Promise<ApplicationKeyListDto> {
    const application = await this.ownedApplication(caller, applicationId);
    const rows = await this.keys.listForApplication(application.id);
    const list = rows.map((row) => toApplicationKeyDto(row, { consumerSecret: this.revealRow(row) }));
    return { count: list.length, list };
  }

  async get(caller: Caller, applicationId: string, keyMappingId: string): Promise<ApplicationKeyDto> {
    const row = await this.ownedKey(caller, applicationId, keyMappingId);
    return toApplicationKeyDto(row, { consumerSecret: this.revealRow(row) });
  }

  async update(caller: Caller, applicationId: string, keyMappingId: string, dto: UpdateApplicationKeyDto): Promise<ApplicationKeyDto> {
    const row = await this.ownedKey(caller, applicationId, keyMappingId);
    const grantTypes = dto.supportedGrantTypes ?? (row.supportedGrantTypes as GrantType[]);
    const callbackUrl = dto.callbackUrl === undefined ? row.callbackUrl : dto.callbackUrl;
    requireCallbackForCodeGrant(grantTypes, callbackUrl);
    const properties = parseKeyAdditionalProperties(dto.additionalProperties);
    const client = await this.keyCache.changing([row.applicationId], async () => {
      const updated = await this.keyManager.call(
        KeyManagerPatterns.ClientUpdate,
        { clientId: row.consumerKey, grantTypes, redirectUris: callbackUrl ? [callbackUrl] : [], ...clientSettingsOf(properties) },
        caller.requestId,
      );
      if (updated.applicationTokenLifetime !== row.validityTime) row.validityTime = updated.applicationTokenLifetime;
      row.supportedGrantTypes = [...updated.grantTypes];
      row.callbackUrl = updated.redirectUris[0] ?? null;
      row.updatedAt = new Date();
      await this.keys.save(row);
      return updated;
    });
    return toApplicationKeyDto(row, { consumerSecret: this.revealRow(row), client });
  }

  /** Deletes the client in the Key Manager (which revokes its tokens) unless it was mapped, then the row. */
  async delete(caller: Caller, applicationId: string, keyMappingId: string): Promise<void> {
    const row = await this.ownedKey(caller, applicationId, keyMappingId);
    await this.keyCache.changing([row.applicationId], async () => {
      await releaseClientOf(this.keyManager, row, caller.requestId);
      await this.keys.delete(row.applicationId, row.id);
    });
    this.logger.info({ requestId: caller.requestId, applicationId, keyMappingId, clientId: row.consumerKey }, 'deleted application keys');
  }

  /** The key mapping id of the application's key of this type (WSO2's deprecated key-type resources); 404 when there is none. */
  async keyMappingIdOfType(caller: Caller, applicationId: string, keyType: KeyType): Promise<string> {
    const application = await this.ownedApplication(caller, applicationId);
    const row = await this.keys.findByType(application.id, keyType);
    if (!row) throw new KeyNotFoundError(keyType);
    return row.id;
  }

  /** Removes the application's key of this type, if there is one (WSO2's clean-up by key type). */
  async cleanUpByType(caller: Caller, applicationId: string, keyType: KeyType): Promise<void> {
    const application = await this.ownedApplication(caller, applicationId);
    const row = await this.keys.findByType(application.id, keyType);
    if (!row) return;
    await this.keyCache.changing([row.applicationId], async () => {
      await releaseClientOf(this.keyManager, row, caller.requestId);
      await this.keys.delete(row.applicationId, row.id);
    });
    this.logger.info({ requestId: caller.requestId, applicationId, keyMappingId: row.id, clientId: row.consumerKey }, 'cleaned up application keys');
  }

  /** A new consumer secret from the Key Manager; the old one stops working there at once. */
  async regenerateSecret(caller: Caller, applicationId: string, keyMappingId: string): Promise<RegeneratedSecretDto> {
    const row = await this.ownedKey(caller, applicationId, keyMappingId);
    const client = await this.keyCache.changing([row.applicationId], async () => {
      const regenerated = await this.keyManager.call(KeyManagerPatterns.ClientRegenerateSecret, { clientId: row.consumerKey }, caller.requestId);
      Object.assign(row, storedSecretOf(regenerated), { updatedAt: new Date() });
      await this.keys.save(row);
      return regenerated;
    });
    this.logger.info({ requestId: caller.requestId, applicationId, keyMappingId, clientId: row.consumerKey }, 'regenerated consumer secret');
    return { consumerKey: row.consumerKey, consumerSecret: this.secrets.issued(client) };
  }

  /**
   * WSO2's "generate access token" button: the caller proves they hold the consumer secret (checked here
   * against its hash, in constant time), may revoke an earlier token, and gets a client_credentials token.
   * What it needs about the key comes from the {@link ApplicationKeyCache}, or on a miss from the database
   * (a refusal, never cached, is the database's).
   */
  async generateToken(caller: Caller, applicationId: string, keyMappingId: string, dto: GenerateTokenDto): Promise<ApplicationTokenDto> {
    const cached = this.keyCache.get(caller.username, applicationId, keyMappingId);
    if (cached) {
      try {
        return await this.tokenFor(caller, cached, dto);
      } catch (error) {
        // The Key Manager refused what the cached entry allowed (the client gone, a grant no longer
        // allowed…): the key may have changed at another instance whose announcement has not arrived yet.
        // Then the request is answered from the key's row, exactly as without the cache; any other failure
        // (the Key Manager unreachable, a timeout) is the answer.
        if (!(error instanceof KeyManagerCallError && KEY_MANAGER_REFUSALS.has(error.code))) throw error;
      }
    }
    const generation = this.keyCache.generation();
    const row = await this.ownedKey(caller, applicationId, keyMappingId);
    return this.tokenFor(caller, this.keyCache.remember(caller.username, row, generation), dto);
  }

  private async tokenFor(caller: Caller, row: CachedKey, dto: GenerateTokenDto): Promise<ApplicationTokenDto> {
    if (!(await this.isSecretOf(row, dto.consumerSecret, caller.requestId))) throw new InvalidConsumerSecretError();
    if (!row.supportedGrantTypes.includes('client_credentials')) throw new GrantNotSupportedError('client_credentials');
    if (dto.revokeToken) {
      try {
        await this.keyManager.call(KeyManagerPatterns.TokenRevoke, { clientId: row.consumerKey, token: dto.revokeToken }, caller.requestId);
      } catch (error) {
        // A token that is not (or no longer) this client's: nothing to revoke, as in WSO2.
        if (!(error instanceof KeyManagerCallError && error.code === RpcErrorCodes.NotFound)) throw error;
      }
    }
    const scopes = dto.scopes ?? row.scopes;
    const tokens = await this.keyManager.call(
      KeyManagerPatterns.TokenIssue,
      {
        clientId: row.consumerKey,
        // A copy: the cached key's own list is frozen.
        ...(scopes.length > 0 ? { scopes: [...scopes] } : {}),
        ...(dto.validityPeriod !== undefined ? { validityPeriod: dto.validityPeriod } : {}),
      },
      caller.requestId,
    );
    return { accessToken: tokens.accessToken, tokenScopes: tokens.scopes, validityTime: tokens.expiresIn };
  }

  /**
   * Whether the presented secret is one of the key's: its own (checked here against the stored hash), or
   * one added beside it (the Key Manager alone holds those: asked by lookup hash, never by the secret).
   */
  private async isSecretOf(row: Pick<CachedKey, 'consumerKey' | 'consumerSecretHash'>, presented: string, requestId: string): Promise<boolean> {
    if (row.consumerSecretHash !== null && this.secrets.matches(presented, { hash: row.consumerSecretHash })) return true;
    const { matches } = await this.keyManager.call(KeyManagerPatterns.ClientSecretMatch, { clientId: row.consumerKey, secretHash: this.secrets.lookupHash(presented) }, requestId);
    return matches;
  }

  /** The token WSO2 hands out with new client_credentials keys. The keys stand even if this fails. */
  private async firstToken(caller: Caller, row: ApplicationKeyEntity): Promise<ApplicationTokenDto | undefined> {
    try {
      const tokens = await this.keyManager.call(
        KeyManagerPatterns.TokenIssue,
        { clientId: row.consumerKey, ...(row.scopes.length > 0 ? { scopes: row.scopes } : {}), validityPeriod: row.validityTime },
        caller.requestId,
      );
      return { accessToken: tokens.accessToken, tokenScopes: tokens.scopes, validityTime: tokens.expiresIn };
    } catch (error) {
      this.logger.warn({ requestId: caller.requestId, keyMappingId: row.id, err: error }, 'keys generated, but the first access token could not be issued');
      return undefined;
    }
  }

  /** The consumer secret to show, or undefined when it is stored as its hash only (shown once, when issued). */
  private revealRow(row: ApplicationKeyEntity): string | undefined {
    if (row.consumerSecret === null || row.consumerSecretScheme === null) return undefined;
    return this.secrets.reveal({ stored: row.consumerSecret, scheme: row.consumerSecretScheme });
  }

  private async ownedApplication(caller: Caller, applicationId: string): Promise<ApplicationEntity> {
    const application = await this.applications.findOwned(caller.username, applicationId);
    if (!application) throw new ApplicationNotFoundError(applicationId);
    return application;
  }

  /** The caller's key, or KEY_NOT_FOUND (someone else's application or key is "not found"). */
  async ownedKey(caller: Caller, applicationId: string, keyMappingId: string): Promise<ApplicationKeyEntity> {
    const owned = await this.keys.findOwned(caller.username, applicationId, keyMappingId);
    if (owned) return owned;
    // Not found: which of the two (the application, or its key) decides the answer.
    const application = await this.ownedApplication(caller, applicationId);
    const row = await this.keys.find(application.id, keyMappingId);
    if (!row) throw new KeyNotFoundError(keyMappingId);
    return row;
  }
}

/** A new key row for the client the Key Manager answered (created by generate-keys, or mapped). */
function newKeyRow(applicationId: string, keyType: KeyType, client: ClientView, mode: KeyMode, scopes: string[]): ApplicationKeyEntity {
  const now = new Date();
  return Object.assign(new ApplicationKeyEntity(), {
    id: randomUUID(),
    applicationId,
    keyType,
    consumerKey: client.clientId,
    ...storedSecretOf(client),
    supportedGrantTypes: [...client.grantTypes],
    callbackUrl: client.redirectUris[0] ?? null,
    keyState: 'COMPLETED',
    mode,
    validityTime: client.applicationTokenLifetime,
    scopes,
    createdAt: now,
    updatedAt: now,
  });
}

/** The consumer secret columns, exactly as the Key Manager stored the secret. */
function storedSecretOf(client: ClientView): Pick<ApplicationKeyEntity, 'consumerSecret' | 'consumerSecretScheme' | 'consumerSecretHash'> {
  return { consumerSecret: client.clientSecret.stored, consumerSecretScheme: client.clientSecret.scheme, consumerSecretHash: client.clientSecret.hash };
}

/** The key's copy of its own secret forgotten, once the Key Manager revoked that secret. */
export const REVOKED_OWN_SECRET: Pick<ApplicationKeyEntity, 'consumerSecret' | 'consumerSecretScheme' | 'consumerSecretHash'> = {
  consumerSecret: null,
  consumerSecretScheme: null,
  consumerSecretHash: null,
};

/** WSO2's words (carbon-apimgt, for a code grant without a callback URL). */
export const CALLBACK_REQUIRED_MESSAGE = 'The callback url must have at least one URI value when using Authorization code or implicit grant types.';

function requireCallbackForCodeGrant(grantTypes: readonly string[], callbackUrl: string | null): void {
  if (grantTypes.includes('authorization_code') && !callbackUrl) throw new InvalidRequestError(CALLBACK_REQUIRED_MESSAGE);
}

/** The Key Manager client settings the key's additional properties set (those left out keep their values). */
function clientSettingsOf(properties: KeyAdditionalProperties): {
  applicationTokenLifetime?: number;
  userTokenLifetime?: number;
  refreshTokenLifetime?: number;
  pkceMandatory?: boolean;
  pkceSupportPlain?: boolean;
} {
  if (properties.bypassClientCredentials === true) {
    throw new InvalidRequestError(
      'bypassClientCredentials=true is not supported for portal keys: a public client (no consumer secret, PKCE) is registered through the Key Manager DCR endpoint with ext_public_client',
    );
  }
  return {
    ...(properties.pkceMandatory !== undefined ? { pkceMandatory: properties.pkceMandatory } : {}),
    ...(properties.pkceSupportPlain !== undefined ? { pkceSupportPlain: properties.pkceSupportPlain } : {}),
    ...(properties.applicationTokenLifetime !== undefined ? { applicationTokenLifetime: properties.applicationTokenLifetime } : {}),
    ...(properties.userTokenLifetime !== undefined ? { userTokenLifetime: properties.userTokenLifetime } : {}),
    ...(properties.refreshTokenLifetime !== undefined ? { refreshTokenLifetime: properties.refreshTokenLifetime } : {}),
  };
}

