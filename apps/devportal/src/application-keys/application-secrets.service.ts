import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { CLIENT_SECRET_DESCRIPTION_MAX, CLIENT_SECRET_EXPIRES_IN_MAX, KeyManagerPatterns, type ClientSecretView } from '@app/contracts';
import { DEPLOYMENT_CONFIG, KeyManagerClient, ROOT_LOGGER } from '@app/platform';
import type { Caller } from '../auth/caller.js';
import { InvalidRequestError, Wso2CodedError } from '../common/devportal.errors.js';
import { ApplicationKeysRepository } from '../persistence/application-keys.repository.js';
import { ApplicationKeyCache } from './application-key-cache.js';
import { ApplicationKeysService, REVOKED_OWN_SECRET } from './application-keys.service.js';
import type { ConsumerSecretCreationRequestDto, ConsumerSecretDto, ConsumerSecretListDto } from './dto/consumer-secret.dto.js';

/**
 * WSO2 4.7's several consumer secrets per key (the "Application Secrets" resources): each is a secret of
 * the key's client in the Key Manager, which alone stores them; a new one is shown once, in the answer
 * that issues it. The key's own secret (generate-keys, regenerate-secret) is one of them.
 */
@Injectable()
export class ApplicationSecretsService {
  private readonly logger: Logger;

  constructor(
    private readonly keys: ApplicationKeysService,
    private readonly rows: ApplicationKeysRepository,
    private readonly keyManager: KeyManagerClient,
    private readonly keyCache: ApplicationKeyCache,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'application-secrets' });
  }

  async generate(caller: Caller, applicationId: string, keyMappingId: string, dto: ConsumerSecretCreationRequestDto): Promise<ConsumerSecretDto> {
    if (!this.config.oauth.multipleClientSecrets.enabled) {
      // The code WSO2's MultipleClientSecretsTokenTestCase looks for when the feature is off.
      throw new Wso2CodedError(
        { code: 900916, message: 'Multiple client secrets are disabled', status: 400 },
        'Several consumer secrets per key are disabled in this deployment ([oauth.multiple_client_secrets] enable = false).',
      );
    }
    const row = await this.keys.ownedKey(caller, applicationId, keyMappingId);
    const { description, expiresIn } = creationPropertiesOf(dto);
    const secret = await this.keyManager.call(
      KeyManagerPatterns.ClientSecretGenerate,
      { clientId: row.consumerKey, ...(description !== undefined ? { description } : {}), ...(expiresIn !== undefined ? { expiresIn } : {}) },
      caller.requestId,
    );
    this.logger.info({ requestId: caller.requestId, applicationId, keyMappingId, secretId: secret.secretId }, 'generated a consumer secret');
    return toConsumerSecretDto(secret);
  }

  async list(caller: Caller, applicationId: string, keyMappingId: string): Promise<ConsumerSecretListDto> {
    const row = await this.keys.ownedKey(caller, applicationId, keyMappingId);
    const { list } = await this.keyManager.call(KeyManagerPatterns.ClientSecretList, { clientId: row.consumerKey }, caller.requestId);
    return { count: list.length, list: list.map(toConsumerSecretDto) };
  }

  async revoke(caller: Caller, applicationId: string, keyMappingId: string, secretId: string): Promise<void> {
    const row = await this.keys.ownedKey(caller, applicationId, keyMappingId);
    const { own } = await this.keyManager.call(KeyManagerPatterns.ClientSecretRevoke, { clientId: row.consumerKey, secretId }, caller.requestId);
    // Only the key's own secret is stored (as its hash) with the key, and cached for generate-token; the
    // secrets added beside it are the Key Manager's alone, asked each time, so adding or revoking one of
    // those leaves the cache as it is.
    if (own) await this.keyCache.changing([row.applicationId], () => this.rows.save(Object.assign(row, REVOKED_OWN_SECRET, { updatedAt: new Date() })));
    this.logger.info({ requestId: caller.requestId, applicationId, keyMappingId, secretId, own }, 'revoked a consumer secret');
  }
}

/** WSO2's ConsumerSecretDTO: times as Unix epoch seconds, expiresAt 0 for a secret that never expires. */
function toConsumerSecretDto(secret: ClientSecretView): ConsumerSecretDto {
  return {
    secretId: secret.secretId,
    ...(secret.secretValue !== undefined ? { secretValue: secret.secretValue } : {}),
    additionalProperties: {
      ...(secret.description !== null ? { description: secret.description } : {}),
      expiresAt: secret.expiresAt === null ? 0 : epochSeconds(secret.expiresAt),
      createdAt: epochSeconds(secret.createdAt),
    },
  };
}

function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/**
 * `description` and `expiresIn` from WSO2's `additionalProperties` (a free-form map: other names are ignored,
 * as WSO2 ignores them), or from the top level where older clients put them.
 */
function creationPropertiesOf(dto: ConsumerSecretCreationRequestDto): { description?: string; expiresIn?: number } {
  const properties = dto.additionalProperties;
  if (properties !== undefined && properties !== null && (typeof properties !== 'object' || Array.isArray(properties))) {
    throw new InvalidRequestError('additionalProperties must be a JSON object');
  }
  const map = (properties ?? {}) as Record<string, unknown>;
  const description = map['description'] ?? dto.description;
  if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > CLIENT_SECRET_DESCRIPTION_MAX)) {
    throw new InvalidRequestError(`description must be a string of at most ${CLIENT_SECRET_DESCRIPTION_MAX} characters`);
  }
  const rawExpiresIn = map['expiresIn'] ?? dto.expiresIn;
  let expiresIn: number | undefined;
  if (rawExpiresIn !== undefined && rawExpiresIn !== null && rawExpiresIn !== '') {
    expiresIn = typeof rawExpiresIn === 'string' && /^\d{1,12}$/.test(rawExpiresIn) ? Number(rawExpiresIn) : (rawExpiresIn as number);
    if (typeof expiresIn !== 'number' || !Number.isSafeInteger(expiresIn) || expiresIn < 0 || expiresIn > CLIENT_SECRET_EXPIRES_IN_MAX) {
      // identity-inbound-auth-oauth's words for a bad expiry (OAuthAdminServiceImpl.validateClientSecretExpiryTime).
      throw new InvalidRequestError(`The provided expiry time for the client secret is invalid. expiresIn must be whole seconds from 0 (never expires) to ${CLIENT_SECRET_EXPIRES_IN_MAX}.`);
    }
  }
  return { ...(typeof description === 'string' && description !== '' ? { description } : {}), ...(expiresIn !== undefined ? { expiresIn } : {}) };
}
