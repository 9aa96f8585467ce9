import {
  CLIENT_LIMITS,
  GRANT_TYPES,
  PUBLIC_CLIENT_GRANT_TYPES,
  refusedGrantReason,
  registeredRedirectProblem,
  TOKEN_TYPES,
  type GrantType,
  type TokenTypeExtension,
} from '@app/contracts';
import { KeyManagerError } from '../common/key-manager.errors.js';
import { isScopeToken } from '../tokens/scopes.util.js';

/** Everything configurable about a client, as DCR and NATS both describe it (all optional on input). */
export interface ClientSettingsInput {
  clientName?: string;
  owner?: string;
  grantTypes?: string[];
  redirectUris?: string[];
  tokenType?: string;
  applicationTokenLifetime?: number;
  userTokenLifetime?: number;
  refreshTokenLifetime?: number;
  publicClient?: boolean;
  resourceServer?: boolean;
  pkceMandatory?: boolean;
  pkceSupportPlain?: boolean;
  /** The scopes the client may be granted (replaces the list). */
  scopes?: string[];
}

/** Settings after defaults and validation. */
export interface ClientSettings {
  clientName: string;
  owner: string;
  grantTypes: GrantType[];
  redirectUris: string[];
  tokenType: TokenTypeExtension;
  applicationTokenLifetime: number;
  userTokenLifetime: number;
  refreshTokenLifetime: number;
  publicClient: boolean;
  resourceServer: boolean;
  pkceMandatory: boolean;
  pkceSupportPlain: boolean;
  scopes: string[];
}

export interface SettingDefaults {
  owner: string;
  applicationTokenLifetime: number;
  userTokenLifetime: number;
  refreshTokenLifetime: number;
}

const MAX_LIFETIME = CLIENT_LIMITS.maxLifetimeSeconds;
const MAX_REDIRECT_URIS = CLIENT_LIMITS.maxRedirectUris;

function metadataError(message: string): KeyManagerError {
  return new KeyManagerError('INVALID_CLIENT_METADATA', message);
}

function lifetime(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIFETIME) throw metadataError(`${name} must be a whole number of seconds from 1 to ${MAX_LIFETIME}`);
  return value;
}

/** Registered scopes: well-formed scope tokens, duplicates dropped, order kept. */
function registeredScopes(input: readonly string[] | undefined): string[] {
  const scopes = [...new Set(input ?? [])];
  if (scopes.length > CLIENT_LIMITS.maxScopes) throw metadataError(`at most ${CLIENT_LIMITS.maxScopes} scopes may be registered`);
  if (scopes.some((s) => typeof s !== 'string' || !isScopeToken(s))) {
    throw metadataError('a scope is malformed (RFC 6749 section 3.3: printable ASCII without spaces, quotes or backslashes, at most 256 characters)');
  }
  return scopes;
}

/**
 * Applies defaults and the rules that tie settings together: grant types are the supported ones (WSO2's
 * implicit, saml2-bearer and iwa:ntlm are refused with the reason); a client with the authorization_code
 * grant needs a redirect URI; a public client (no secret) may only use authorization_code (with PKCE), the
 * device code grant and refresh_token.
 *
 * @throws KeyManagerError INVALID_CLIENT_METADATA or INVALID_REDIRECT_URI.
 */
export function resolveClientSettings(input: ClientSettingsInput, defaults: SettingDefaults): ClientSettings {
  const publicClient = input.publicClient ?? false;
  const clientName = input.clientName?.trim() ?? '';
  if (clientName.length < 1 || clientName.length > CLIENT_LIMITS.maxNameLength) throw metadataError(`client_name is required (1 to ${CLIENT_LIMITS.maxNameLength} characters)`);
  const owner = input.owner ?? defaults.owner;
  if (typeof owner !== 'string' || owner.length < 1 || owner.length > CLIENT_LIMITS.maxOwnerLength) throw metadataError(`the application owner must be 1 to ${CLIENT_LIMITS.maxOwnerLength} characters`);

  const grantTypes = [...new Set(input.grantTypes ?? (publicClient ? ['authorization_code', 'refresh_token'] : ['client_credentials']))];
  if (grantTypes.length === 0) throw metadataError('grant_types must not be empty');
  for (const grant of grantTypes) {
    const refused = refusedGrantReason(grant);
    if (refused) throw metadataError(refused);
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) throw metadataError(`unsupported grant type "${grant.slice(0, 64)}"; supported: ${GRANT_TYPES.join(', ')}`);
  }
  if (publicClient && grantTypes.some((g) => !(PUBLIC_CLIENT_GRANT_TYPES as readonly string[]).includes(g))) {
    throw metadataError(`a public client may only use the ${PUBLIC_CLIENT_GRANT_TYPES.join(', ')} grants`);
  }
  if (publicClient && !grantTypes.some((g) => g !== 'refresh_token')) throw metadataError('a public client needs the authorization_code or the device code grant');

  const redirectUris = [...new Set(input.redirectUris ?? [])];
  if (redirectUris.length > MAX_REDIRECT_URIS) throw new KeyManagerError('INVALID_REDIRECT_URI', `at most ${MAX_REDIRECT_URIS} redirect URIs`);
  for (const uri of redirectUris) {
    const problem = registeredRedirectProblem(uri);
    if (problem) throw new KeyManagerError('INVALID_REDIRECT_URI', problem);
  }
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new KeyManagerError('INVALID_REDIRECT_URI', 'the authorization_code grant needs at least one redirect URI');
  }

  const tokenType = input.tokenType ?? 'JWT';
  if (!(TOKEN_TYPES as readonly string[]).includes(tokenType)) throw metadataError(`token_type_extension must be ${TOKEN_TYPES.join(' or ')}`);

  return {
    clientName,
    owner,
    grantTypes: grantTypes as GrantType[],
    redirectUris,
    tokenType: tokenType as TokenTypeExtension,
    applicationTokenLifetime: lifetime('ext_application_token_lifetime', input.applicationTokenLifetime, defaults.applicationTokenLifetime),
    userTokenLifetime: lifetime('ext_user_token_lifetime', input.userTokenLifetime, defaults.userTokenLifetime),
    refreshTokenLifetime: lifetime('ext_refresh_token_lifetime', input.refreshTokenLifetime, defaults.refreshTokenLifetime),
    publicClient,
    resourceServer: input.resourceServer ?? false,
    pkceMandatory: input.pkceMandatory ?? false,
    pkceSupportPlain: input.pkceSupportPlain ?? false,
    scopes: registeredScopes(input.scopes),
  };
}
