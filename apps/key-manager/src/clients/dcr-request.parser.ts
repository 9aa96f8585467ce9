import { CLIENT_LIMITS } from '@app/contracts';
import { KeyManagerError } from '../common/key-manager.errors.js';
import type { ClientSettingsInput } from './client-settings.util.js';

function invalid(message: string): KeyManagerError {
  return new KeyManagerError('INVALID_CLIENT_METADATA', message);
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

function stringList(body: Record<string, unknown>, name: string, max = 50): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`${name} must be an array of strings`);
  if (value.length > max) throw invalid(`${name} has too many entries`);
  return value as string[];
}

/**
 * The scopes to register: WSO2's `application_scopes` (a list; apim-km-wso2is keymanager-operations.yaml
 * RegistrationRequest / UpdateRequest) or RFC 7591 §2's `scope` (one space-separated string). Both may
 * come, if they name the same scopes.
 */
function scopesField(body: Record<string, unknown>): string[] | undefined {
  const list = stringList(body, 'application_scopes', CLIENT_LIMITS.maxScopes);
  const text = stringField(body, 'scope');
  const spaced = text === undefined ? undefined : text.split(' ').filter((s) => s !== '');
  if (list !== undefined && spaced !== undefined && [...new Set(list)].sort().join(' ') !== [...new Set(spaced)].sort().join(' ')) {
    throw invalid('scope and application_scopes name different scopes');
  }
  return list ?? spaced;
}

function integerField(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  // WSO2's portal sends lifetimes as numbers, some tools as numeric strings: accept both.
  const number = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw invalid(`${name} must be a whole number of seconds`);
  return number;
}

function booleanField(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${name} must be true or false`);
  return value;
}

/**
 * Reads a DCR request body with WSO2's field names (`client_name`, `grant_types`, `redirect_uris` or WSO2's
 * `callback_url`, `token_type_extension`, `ext_application_owner`, `ext_*_token_lifetime`) and ours
 * (`ext_resource_server`, `ext_public_client`, and WSO2 IS's `ext_pkce_mandatory`, `ext_pkce_support_plain`), and the scopes
 * the client may be granted (`application_scopes` or `scope`). Unknown fields are ignored (RFC 7591 §2); fields of the
 * wrong type are refused with `invalid_client_metadata`.
 */
export function parseDcrRequest(body: unknown): ClientSettingsInput & { clientId?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const callbackUrl = stringField(b, 'callback_url');
  const redirectUris = stringList(b, 'redirect_uris') ?? (callbackUrl !== undefined && callbackUrl !== '' ? [callbackUrl] : undefined);
  const input: ClientSettingsInput & { clientId?: string } = {};
  const assign = <K extends keyof typeof input>(key: K, value: (typeof input)[K] | undefined) => {
    if (value !== undefined) input[key] = value;
  };
  assign('clientId', stringField(b, 'client_id'));
  assign('clientName', stringField(b, 'client_name'));
  assign('owner', stringField(b, 'ext_application_owner'));
  assign('grantTypes', stringList(b, 'grant_types'));
  assign('redirectUris', redirectUris);
  assign('tokenType', stringField(b, 'token_type_extension'));
  assign('applicationTokenLifetime', integerField(b, 'ext_application_token_lifetime'));
  assign('userTokenLifetime', integerField(b, 'ext_user_token_lifetime'));
  assign('refreshTokenLifetime', integerField(b, 'ext_refresh_token_lifetime'));
  assign('resourceServer', booleanField(b, 'ext_resource_server'));
  assign('publicClient', booleanField(b, 'ext_public_client'));
  assign('pkceMandatory', booleanField(b, 'ext_pkce_mandatory'));
  assign('pkceSupportPlain', booleanField(b, 'ext_pkce_support_plain'));
  assign('scopes', scopesField(b));
  return input;
}
