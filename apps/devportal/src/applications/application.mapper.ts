import type { ApplicationKeyEntity } from '../persistence/application-key.entity.js';
import type { ApplicationEntity } from '../persistence/application.entity.js';
import { toApplicationKeyDto } from '../application-keys/application-key.mapper.js';
import type { ApplicationDto, ApplicationInfoDto } from './dto/application-response.dto.js';
import type { ApplicationTokenType } from './dto/application-request.dto.js';

export function toApplicationInfoDto(row: ApplicationEntity): ApplicationInfoDto {
  return {
    applicationId: row.id,
    name: row.name,
    throttlingPolicy: row.throttlingPolicy,
    description: row.description,
    tokenType: row.tokenType as ApplicationTokenType,
    status: row.status,
    groups: [],
    subscriptionCount: 0,
    attributes: {},
    owner: row.owner,
    createdTime: String(row.createdAt.getTime()),
    updatedTime: String(row.updatedAt.getTime()),
  };
}

/** The full application; its keys without consumer secrets (those are only in the oauth-keys resources). */
export function toApplicationDto(row: ApplicationEntity, keys: ApplicationKeyEntity[]): ApplicationDto {
  return { ...toApplicationInfoDto(row), subscriptionScopes: [], hashEnabled: false, keys: keys.map((k) => toApplicationKeyDto(k)) };
}
