import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { KeyManagerPatterns } from '@app/contracts';
import { KeyManagerClient, ROOT_LOGGER } from '@app/platform';
import type { Caller } from '../auth/caller.js';
import { ApplicationKeyCache } from '../application-keys/application-key-cache.js';
import { clientNameOf, keyManagerTokenType, releaseClientOf } from '../application-keys/key-manager-clients.util.js';
import { ApplicationNameTakenError, ApplicationNotFoundError } from '../common/devportal.errors.js';
import { paginate } from '../common/pagination.dto.js';
import { ApplicationKeysRepository } from '../persistence/application-keys.repository.js';
import { ApplicationEntity } from '../persistence/application.entity.js';
import { ApplicationsRepository } from '../persistence/applications.repository.js';
import { toApplicationDto, toApplicationInfoDto } from './application.mapper.js';
import { DEFAULT_THROTTLING_POLICY, type ApplicationListQueryDto, type CreateApplicationDto, type UpdateApplicationDto } from './dto/application-request.dto.js';
import type { ApplicationDto, ApplicationListDto } from './dto/application-response.dto.js';

/** A user's applications. All reads and writes are scoped to the caller: another user's application is "not found". */
@Injectable()
export class ApplicationsService {
  private readonly logger: Logger;

  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly keys: ApplicationKeysRepository,
    private readonly keyManager: KeyManagerClient,
    private readonly keyCache: ApplicationKeyCache,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'applications' });
  }

  async create(caller: Caller, dto: CreateApplicationDto): Promise<ApplicationDto> {
    if (await this.applications.nameTaken(caller.username, dto.name)) throw new ApplicationNameTakenError(dto.name);
    const now = new Date();
    const row = Object.assign(new ApplicationEntity(), {
      id: randomUUID(),
      owner: caller.username,
      name: dto.name,
      throttlingPolicy: dto.throttlingPolicy ?? DEFAULT_THROTTLING_POLICY,
      description: dto.description ?? null,
      tokenType: dto.tokenType ?? 'JWT',
      // No approval workflow: applications are approved on creation, as in a default WSO2 setup.
      status: 'APPROVED',
      createdAt: now,
      updatedAt: now,
    });
    await this.applications.save(row);
    this.logger.info({ requestId: caller.requestId, applicationId: row.id }, 'created application');
    return toApplicationDto(row, []);
  }

  async list(caller: Caller, query: ApplicationListQueryDto): Promise<ApplicationListDto> {
    const { limit, offset, sortBy, sortOrder } = query;
    const { rows, total } = await this.applications.listOwned(caller.username, { limit, offset, sortBy, sortOrder, name: query.query });
    const pagination = paginate('/applications', query, total, { query: query.query, sortBy, sortOrder });
    return { count: rows.length, list: rows.map(toApplicationInfoDto), pagination };
  }

  async get(caller: Caller, applicationId: string): Promise<ApplicationDto> {
    const row = await this.owned(caller, applicationId);
    return toApplicationDto(row, await this.keys.listForApplication(row.id));
  }

  /**
   * Changes the fields given. A new name or token type is applied to the application's clients in the Key
   * Manager first (client names follow WSO2's `<owner>_<application>_<key type>`), then stored. Nothing the
   * key cache holds changes (a client's name and token type are the Key Manager's business), so it stays.
   */
  async update(caller: Caller, applicationId: string, dto: UpdateApplicationDto): Promise<ApplicationDto> {
    const row = await this.owned(caller, applicationId);
    const name = dto.name ?? row.name;
    const tokenType = dto.tokenType ?? row.tokenType;
    if (name !== row.name && (await this.applications.nameTaken(caller.username, name, row.id))) throw new ApplicationNameTakenError(name);
    const keys = await this.keys.listForApplication(row.id);
    if (name !== row.name || tokenType !== row.tokenType) {
      for (const key of keys) {
        await this.keyManager.call(
          KeyManagerPatterns.ClientUpdate,
          {
            clientId: key.consumerKey,
            // A mapped client keeps the name it had (map-keys); its token type follows the application's.
            ...(key.mode === 'MAPPED' ? {} : { clientName: clientNameOf(row.owner, name, key.keyType) }),
            tokenType: keyManagerTokenType(tokenType),
          },
          caller.requestId,
        );
      }
    }
    Object.assign(row, {
      name,
      tokenType,
      throttlingPolicy: dto.throttlingPolicy ?? row.throttlingPolicy,
      description: dto.description === undefined ? row.description : dto.description,
      updatedAt: new Date(),
    });
    await this.applications.save(row);
    return toApplicationDto(row, keys);
  }

  /**
   * Deletes the application's clients in the Key Manager (which revokes every token issued to them; mapped
   * clients stay, see `releaseClientOf`), then
   * the application and its key rows. If the Key Manager fails half-way nothing is deleted here, and
   * repeating the call finishes the job.
   */
  async delete(caller: Caller, applicationId: string): Promise<void> {
    const row = await this.owned(caller, applicationId);
    await this.keyCache.changing([row.id], async () => {
      for (const key of await this.keys.listForApplication(row.id)) {
        await releaseClientOf(this.keyManager, key, caller.requestId);
      }
      await this.applications.delete(caller.username, row.id);
    });
    this.logger.info({ requestId: caller.requestId, applicationId }, 'deleted application');
  }

  private async owned(caller: Caller, applicationId: string): Promise<ApplicationEntity> {
    const row = await this.applications.findOwned(caller.username, applicationId);
    if (!row) throw new ApplicationNotFoundError(applicationId);
    return row;
  }
}
