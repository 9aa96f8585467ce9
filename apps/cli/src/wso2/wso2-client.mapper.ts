import { CLIENT_LIMITS, DEVICE_CODE_GRANT, GRANT_TYPES, PUBLIC_CLIENT_GRANT_TYPES, registeredRedirectProblem, type GrantType, type TokenTypeExtension } from '@app/contracts';
import type { MappedClient, Wso2AppRow } from './wso2-import.types.js';

/** What a WSO2 app leaves unsaid, filled from our deployment.toml (and `--default-token-type`). */
export interface ClientDefaults {
  /** The super admin: owner of apps whose WSO2 owner cannot be kept. */
  owner: string;
  applicationTokenLifetime: number;
  userTokenLifetime: number;
  refreshTokenLifetime: number;
  /** For apps without a `tokenType` property. */
  tokenType: TokenTypeExtension;
  /** `[oauth.multiple_client_secrets] secret_count`: an app with more secrets is imported with a warning. */
  secretCount?: number;
}

export type ClientMapping = { kind: 'skip'; reason: string } | { kind: 'client'; client: MappedClient; warnings: string[] };

// The Key Manager's own limits for client settings: an imported client must stay valid there, or the next
// DCR update of it would be refused.
const MAX_LIFETIME = CLIENT_LIMITS.maxLifetimeSeconds;
const MAX_NAME = CLIENT_LIMITS.maxNameLength;
const MAX_OWNER = CLIENT_LIMITS.maxOwnerLength;

/**
 * Maps one IDN_OAUTH_CONSUMER_APPS row to our client settings, with a warning for everything that cannot be
 * carried over exactly. Apps WSO2 no longer serves (APP_STATE REVOKED or DELETED) are skipped: importing them
 * would bring them back to life.
 */
export function mapWso2App(row: Wso2AppRow, defaults: ClientDefaults): ClientMapping {
  const state = (row.appState ?? 'ACTIVE').toUpperCase();
  if (state !== 'ACTIVE') return { kind: 'skip', reason: `APP_STATE is ${state.slice(0, 25)}` };
  const warnings: string[] = [];

  const grants = (row.grantTypes ?? '').split(/\s+/).filter(Boolean);
  let grantTypes = [...new Set(grants.filter((g): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g)))];
  const dropped = [...new Set(grants.filter((g) => !(GRANT_TYPES as readonly string[]).includes(g)))];
  if (dropped.length > 0) warnings.push(`grant types not supported here, dropped: ${dropped.map((g) => g.slice(0, 80)).join(', ')}`);

  let publicClient = false;
  if ((row.bypassClientCredentials ?? '').toLowerCase() === 'true') {
    if (grantTypes.includes('authorization_code') || grantTypes.includes(DEVICE_CODE_GRANT)) {
      publicClient = true;
      const kept: GrantType[] = grantTypes.filter((g) => PUBLIC_CLIENT_GRANT_TYPES.includes(g));
      if (kept.length < grantTypes.length) warnings.push(`public client: only ${PUBLIC_CLIENT_GRANT_TYPES.join(', ')} kept (dropped ${grantTypes.filter((g) => !kept.includes(g)).join(', ')})`);
      grantTypes = kept;
    } else {
      warnings.push('WSO2 let this app skip client authentication; here it must present its consumer secret (public clients need the authorization_code or the device code grant)');
    }
  }
  if (grantTypes.length === 0) warnings.push('no supported grant type left: its tokens keep working, but it cannot obtain new ones until grant_types are set (DCR PUT)');

  const redirectUris = redirectUrisOf(row.callbackUrl, warnings);
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    warnings.push('has the authorization_code grant but no usable redirect URI: register one (DCR PUT redirect_uris) before using that flow');
  }

  let clientName = (row.appName ?? '').trim();
  if (clientName.length === 0) clientName = row.consumerKey;
  if (clientName.length > MAX_NAME) {
    warnings.push(`APP_NAME is longer than ${MAX_NAME} characters: shortened`);
    clientName = clientName.slice(0, MAX_NAME);
  }

  let owner = qualifiedUserName(row.username, row.userDomain) ?? defaults.owner;
  if (owner.length > MAX_OWNER) {
    warnings.push(`owner name is longer than ${MAX_OWNER} characters: the super admin owns it here`);
    owner = defaults.owner;
  }

  const tokenType = tokenTypeOf(row.tokenType, defaults.tokenType, warnings);
  return {
    kind: 'client',
    warnings,
    client: {
      clientId: row.consumerKey,
      clientName,
      owner,
      grantTypes,
      redirectUris,
      tokenType,
      tokenTypeDefaulted: row.tokenType === null,
      applicationTokenLifetime: lifetime('APP_ACCESS_TOKEN_EXPIRE_TIME', row.appAccessTokenExpireTime, defaults.applicationTokenLifetime, warnings),
      userTokenLifetime: lifetime('USER_ACCESS_TOKEN_EXPIRE_TIME', row.userAccessTokenExpireTime, defaults.userTokenLifetime, warnings),
      refreshTokenLifetime: lifetime('REFRESH_TOKEN_EXPIRE_TIME', row.refreshTokenExpireTime, defaults.refreshTokenLifetime, warnings),
      publicClient,
      pkceMandatory: row.pkceMandatory,
      pkceSupportPlain: row.pkceSupportPlain,
    },
  };
}

/**
 * WSO2's name for a user of a secondary user store is `DOMAIN/name` (UserCoreUtil.addDomainToName); users of
 * the primary store go by their bare name. The tenant is not part of it (see docs/wso2-migration.md).
 */
export function qualifiedUserName(name: string | null, domain: string | null): string | null {
  if (name === null || name.length === 0) return null;
  if (domain === null || domain.length === 0 || domain.toUpperCase() === 'PRIMARY' || name.includes('/')) return name;
  return `${domain.toUpperCase()}/${name}`;
}

function tokenTypeOf(value: string | null, fallback: TokenTypeExtension, warnings: string[]): TokenTypeExtension {
  if (value === null) return fallback;
  const upper = value.trim().toUpperCase();
  if (upper === 'JWT') return 'JWT';
  // `Default` is WSO2's opaque token issuer; APIM's AM_APPLICATION says OAUTH for the same thing.
  if (upper === 'DEFAULT' || upper === 'OPAQUE' || upper === 'OAUTH') return 'Default';
  warnings.push(`token type "${value.slice(0, 40)}" (a custom token issuer) is not supported here: ${fallback} used`);
  return fallback;
}

function lifetime(column: string, seconds: number | null, fallback: number, warnings: string[]): number {
  if (seconds === null || seconds === 0) return fallback;
  if (seconds < 0) {
    warnings.push(`${column} is negative (never expires in WSO2): the default of ${fallback} s used`);
    return fallback;
  }
  if (seconds > MAX_LIFETIME) {
    warnings.push(`${column} of ${seconds} s is over the ${MAX_LIFETIME} s allowed here: shortened`);
    return MAX_LIFETIME;
  }
  return Math.max(1, Math.round(seconds));
}

/**
 * CALLBACK_URL is one URL, or WSO2's `regexp=<pattern>` (what its DCR and portal write for several redirect
 * URIs, e.g. `regexp=(url1|url2)`). Either is carried over as WSO2 stored it — the Key Manager registers and
 * matches both forms as WSO2 does (whole-string match, on RE2) — when it passes the Key Manager's own check
 * (`registeredRedirectProblem`); otherwise it is dropped with the reason.
 */
function redirectUrisOf(callback: string | null, warnings: string[]): string[] {
  const text = (callback ?? '').trim();
  if (text.length === 0) return [];
  const problem = registeredRedirectProblem(text);
  if (problem) {
    warnings.push(`callback URL dropped: ${problem}`);
    return [];
  }
  return [text];
}
