import { CLIENT_LIMITS } from '@app/contracts';
import { InvalidAdditionalPropertiesError } from '../../common/devportal.errors.js';

/**
 * WSO2's `additionalProperties` of a key (generate-keys, PUT oauth-keys): the Resident Key Manager's
 * application configurations. Checked as WSO2's AMDefaultKeyManagerImpl.validateOAuthAppCreationProperties
 * does (carbon-apimgt): a blank value or `N/A` means "not set"; `pkceMandatory`, `pkceSupportPlain` and
 * `bypassClientCredentials` must be `true` or `false`; every other value a whole number that is not
 * negative. A bad value is WSO2's ErrorDTO 900970.
 */
export interface KeyAdditionalProperties {
  applicationTokenLifetime?: number;
  userTokenLifetime?: number;
  refreshTokenLifetime?: number;
  /** Accepted and not applied: the Key Manager has one ID token lifetime for all clients. */
  idTokenLifetime?: number;
  pkceMandatory?: boolean;
  pkceSupportPlain?: boolean;
  bypassClientCredentials?: boolean;
}

/** WSO2's application configuration names (APIConstants.KeyManager) and what each sets here. */
const LIFETIMES = {
  application_access_token_expiry_time: 'applicationTokenLifetime',
  user_access_token_expiry_time: 'userTokenLifetime',
  refresh_token_expiry_time: 'refreshTokenLifetime',
  id_token_expiry_time: 'idTokenLifetime',
} as const;
const FLAGS = { pkceMandatory: 'pkceMandatory', pkceSupportPlain: 'pkceSupportPlain', bypassClientCredentials: 'bypassClientCredentials' } as const;

/** WSO2's own texts for the two ways a value can be wrong. */
const NEGATIVE = 'Application configuration values cannot have negative values.';
const NOT_A_NUMBER = 'Application configuration values cannot have string values.';

const JAVA_LONG = /^[+-]?\d{1,19}$/;

export function parseKeyAdditionalProperties(value: unknown): KeyAdditionalProperties {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidAdditionalPropertiesError('additionalProperties must be a JSON object.');
  const parsed: KeyAdditionalProperties = {};
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    // WSO2 reads each value as a string (Gson getAsString): strings, numbers and booleans.
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw new InvalidAdditionalPropertiesError(`The value of ${name.slice(0, 64)} must be a string, a number or a boolean.`);
    }
    const text = String(raw);
    if (text.trim() === '' || text === 'N/A') continue;
    if (name in FLAGS) {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw new InvalidAdditionalPropertiesError(NEGATIVE);
      parsed[FLAGS[name as keyof typeof FLAGS]] = lower === 'true';
      continue;
    }
    if (!JAVA_LONG.test(text)) throw new InvalidAdditionalPropertiesError(NOT_A_NUMBER);
    const number = Number(text);
    if (number < 0) throw new InvalidAdditionalPropertiesError(NEGATIVE);
    if (name in LIFETIMES) {
      // WSO2 takes 0; a token that lives 0 seconds is no token, so this is a deliberate difference.
      if (number < 1 || number > CLIENT_LIMITS.maxLifetimeSeconds) {
        throw new InvalidAdditionalPropertiesError(`${name} must be from 1 to ${CLIENT_LIMITS.maxLifetimeSeconds} seconds.`);
      }
      parsed[LIFETIMES[name as keyof typeof LIFETIMES]] = number;
    }
    // Any other whole number is accepted and ignored, as WSO2 keeps properties no connector reads.
  }
  return parsed;
}
