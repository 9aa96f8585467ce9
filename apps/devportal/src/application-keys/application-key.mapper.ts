import type { ClientView } from '@app/contracts';
import type { ApplicationKeyEntity } from '../persistence/application-key.entity.js';
import type { ApplicationKeyDto, ApplicationTokenDto } from './dto/application-key.dto.js';
import { RESIDENT_KEY_MANAGER } from './dto/generate-keys.dto.js';

/** The API view of a key row; the consumer secret only when the caller decrypted it for this response. */
export function toApplicationKeyDto(
  row: ApplicationKeyEntity,
  extra: { consumerSecret?: string; token?: ApplicationTokenDto; client?: ClientView } = {},
): ApplicationKeyDto {
  return {
    keyMappingId: row.id,
    keyManager: RESIDENT_KEY_MANAGER,
    consumerKey: row.consumerKey,
    ...(extra.consumerSecret !== undefined ? { consumerSecret: extra.consumerSecret } : {}),
    supportedGrantTypes: [...row.supportedGrantTypes],
    callbackUrl: row.callbackUrl,
    keyState: row.keyState,
    keyType: row.keyType,
    mode: row.mode,
    ...(extra.token ? { token: extra.token } : {}),
    ...(extra.client ? { additionalProperties: additionalPropertiesOf(extra.client) } : {}),
  };
}

/** The client's settings under WSO2's application configuration names (AMDefaultKeyManagerImpl). */
function additionalPropertiesOf(client: ClientView): Record<string, number | boolean> {
  return {
    application_access_token_expiry_time: client.applicationTokenLifetime,
    user_access_token_expiry_time: client.userTokenLifetime,
    refresh_token_expiry_time: client.refreshTokenLifetime,
    pkceMandatory: client.pkceMandatory ?? false,
    pkceSupportPlain: client.pkceSupportPlain ?? false,
    bypassClientCredentials: false,
  };
}
