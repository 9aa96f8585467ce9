import { Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { SecretKinds } from '@app/crypto';
import { DEPLOYMENT_CONFIG, EncryptionService, ROOT_LOGGER } from '@app/platform';
import { KeyManagerError } from '../common/key-manager.errors.js';
import { ClientSecretsRepository, type ClientSecretInfo } from '../persistence/client-secrets.repository.js';
import type { ClientRecord } from '../persistence/clients.repository.js';
import { newSecret } from '../tokens/secret-generator.util.js';

/** A secret just added, with its plaintext: shown once, in the reply that issues it. */
export interface IssuedClientSecret {
  info: ClientSecretInfo;
  secret: string;
}

/** The longest `expiresIn` accepted: 100 years (PostgreSQL's timestamps and every client stay in range). */
export const MAX_SECRET_EXPIRES_IN_SEC = 100 * 365 * 24 * 3600;

/**
 * Several consumer secrets per client, as WSO2 API-M 4.7 (identity-inbound-auth-oauth
 * `OAuthAdminServiceImpl.createOAuthClientSecret` / `removeOAuthClientSecret`, `OAuthAppDAO.addOAuthConsumerSecret`):
 * a client keeps its own secret and may hold more beside it, each with an optional description and expiry,
 * up to `[oauth.multiple_client_secrets] secret_count` in all. Any of them that has not expired
 * authenticates the client (ClientAuthenticator). The most recent one cannot be revoked (WSO2), nor the
 * last one that still works (so a client is never left without a usable secret by mistake).
 * Revoking a secret does not revoke the tokens issued with it (WSO2 documents the same).
 */
@Injectable()
export class ClientSecretsService {
  private readonly logger: Logger;

  constructor(
    private readonly secrets: ClientSecretsRepository,
    private readonly encryption: EncryptionService,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'client-secrets' });
  }

  /** Whether a lookup hash is that of one of the client's working secrets; every hash compared, in constant time. */
  matchesHash(client: ClientRecord, hash: string): boolean {
    const presented = Buffer.from(hash.toLowerCase(), 'latin1');
    let matched = false;
    for (const candidate of [client.secretHash, ...client.addedSecretHashes]) {
      if (candidate === null || candidate.length !== presented.length) continue;
      matched = timingSafeEqual(Buffer.from(candidate.toLowerCase(), 'latin1'), presented) || matched;
    }
    return matched;
  }

  async list(clientId: string): Promise<ClientSecretInfo[]> {
    const list = await this.secrets.list(clientId);
    if (!list) throw notFound();
    return list;
  }

  async generate(clientId: string, options: { description?: string | undefined; expiresInSec?: number | undefined }): Promise<IssuedClientSecret> {
    const { enabled, secretCount } = this.config.oauth.multipleClientSecrets;
    if (!enabled) throw new KeyManagerError('INVALID_REQUEST', 'several consumer secrets per client are disabled ([oauth.multiple_client_secrets] enable = false)');
    const expiresInSec = options.expiresInSec === undefined || options.expiresInSec === 0 ? null : options.expiresInSec;
    if (expiresInSec !== null && (!Number.isSafeInteger(expiresInSec) || expiresInSec < 0 || expiresInSec > MAX_SECRET_EXPIRES_IN_SEC)) {
      // identity-inbound-auth-oauth OAuthAdminServiceImpl.validateClientSecretExpiryTime.
      throw new KeyManagerError('INVALID_REQUEST', 'The provided expiry time for the client secret is invalid.');
    }
    const secret = newSecret();
    const issued = await this.secrets.withLocked(clientId, async (locked) => {
      if (locked.secrets.length >= secretCount) {
        // identity-inbound-auth-oauth OAuthAppDAO.addOAuthConsumerSecret (Error.CLIENT_SECRET_LIMIT_REACHED).
        throw new KeyManagerError('INVALID_REQUEST', `Maximum number of client secrets reached. Clients cannot have more than ${secretCount} secrets.`);
      }
      return locked.add(this.encryption.processor.protect(SecretKinds.ConsumerSecret, secret), {
        description: options.description === undefined || options.description === '' ? null : options.description,
        expiresInSec,
      });
    });
    if (!issued) throw notFound();
    this.logger.info({ clientId, secretId: issued.secretId }, 'added a consumer secret');
    return { info: issued, secret };
  }

  /** Revokes one secret; says whether it was the client's own. */
  async revoke(clientId: string, secretId: string): Promise<{ own: boolean }> {
    const done = await this.secrets.withLocked(clientId, async (locked) => {
      const target = locked.secrets.find((s) => s.secretId === secretId);
      // WSO2's words (OAuthAdminServiceImpl.removeOAuthClientSecret).
      if (!target) throw new KeyManagerError('CLIENT_SECRET_NOT_FOUND', 'The requested client secret does not exist for this application.');
      if (locked.secrets[0]?.secretId === secretId) {
        throw new KeyManagerError('INVALID_REQUEST', 'The requested client secret cannot be deleted as it is the latest secret.');
      }
      if (!target.expired && !locked.secrets.some((s) => s !== target && !s.expired)) {
        throw new KeyManagerError('INVALID_REQUEST', 'The requested client secret cannot be deleted: it is the last one that has not expired, and the client could no longer authenticate. Generate a new secret first.');
      }
      await locked.remove(target);
      return { own: target.own };
    });
    if (!done) throw notFound();
    this.logger.info({ clientId, secretId, own: done.own }, 'revoked a consumer secret');
    return done;
  }
}

function notFound(): KeyManagerError {
  return new KeyManagerError('CLIENT_NOT_FOUND', 'no such client');
}
