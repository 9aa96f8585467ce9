import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { EncryptionProfile } from '@app/crypto';
import { KeyManagerPatterns } from './patterns.js';

// Payload classes double as validation schemas: the Key Manager validates every request's `data` with
// class-validator (whitelist + forbidNonWhitelisted), so a malformed message is refused, not half-applied.

/** RFC 7523 §2.1: a JWT from a trusted issuer as an authorization grant. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** RFC 8693 token exchange. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8628 device authorization grant (the device polls the token endpoint with its device code). */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Every grant type the Key Manager serves, by WSO2's names (OAuthConstants.GrantTypes). */
export const GRANT_TYPES = [
  'client_credentials',
  'password',
  'refresh_token',
  'authorization_code',
  JWT_BEARER_GRANT,
  TOKEN_EXCHANGE_GRANT,
  DEVICE_CODE_GRANT,
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** The grants a public client (no secret) may have: the ones a user authorizes in a browser, and refresh. */
export const PUBLIC_CLIENT_GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT];

/**
 * Grant types WSO2's portal offers that this Key Manager refuses on purpose, with the reason every refusal
 * gives (DCR, the portal's key generation, the token endpoint).
 */
export const REFUSED_GRANT_TYPES: Readonly<Record<string, string>> = {
  implicit:
    'the implicit grant is not supported: RFC 9700 (OAuth 2.0 Security Best Current Practice) and OAuth 2.1 removed it because it returns access tokens in the browser URL; use authorization_code with PKCE',
  'urn:ietf:params:oauth:grant-type:saml2-bearer':
    'the SAML 2.0 bearer grant is not supported: the Key Manager trusts no SAML identity provider; use urn:ietf:params:oauth:grant-type:jwt-bearer with a trusted issuer',
  'iwa:ntlm':
    'the iwa:ntlm grant is not supported: the Key Manager has no Windows domain to check NTLM credentials against; use authorization_code or password',
};

/** Why a grant type is refused, or undefined for one that is not on the refused list. */
export function refusedGrantReason(grantType: string): string | undefined {
  return Object.hasOwn(REFUSED_GRANT_TYPES, grantType) ? REFUSED_GRANT_TYPES[grantType] : undefined;
}

/** WSO2's `token_type_extension`: `JWT` (default) or `Default` (opaque). */
export const TOKEN_TYPES = ['JWT', 'Default'] as const;
export type TokenTypeExtension = (typeof TOKEN_TYPES)[number];

/** Usernames: what WSO2's default user store accepts, minus the characters that need escaping anywhere. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;
const SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/**
 * Limits on a client's settings, shared by everything that creates or changes clients (the bus contract
 * below, the Key Manager's DCR, `cli wso2 import`), so a client valid in one place is valid in all.
 */
export const CLIENT_LIMITS = {
  /** Longest token lifetime, in seconds (one year). */
  maxLifetimeSeconds: 31_536_000,
  maxRedirectUris: 20,
  maxRedirectUriLength: 2048,
  maxNameLength: 200,
  maxOwnerLength: 64,
  /** Most scopes registered for one client (those it may be granted). */
  maxScopes: 200,
  /** URI schemes never accepted as redirect URIs. */
  forbiddenRedirectSchemes: ['javascript:', 'data:', 'vbscript:', 'file:', 'blob:'],
} as const;

export class EmptyRequest {}

export class CreateUserRequest {
  @IsString() @Matches(USERNAME_PATTERN, { message: 'username must be 3-64 characters: letters, digits, . _ @ -' })
  username!: string;
  @IsString() @Length(1, 256)
  password!: string;
}

export interface UserView {
  username: string;
  createdAt: string;
}

export class AuthenticateUserRequest {
  @IsString() @Length(1, 64)
  username!: string;
  @IsString() @Length(1, 256)
  password!: string;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Matches(SCOPE_PATTERN, { each: true })
  scopes?: string[];
  /**
   * The address the log-in came from, as the caller's HTTP edge saw it (honouring its `trust_proxy`): the
   * Key Manager's authentication throttle counts failures per address with it. Without it only the
   * per-account limit applies.
   */
  @IsOptional() @IsString() @Length(1, 64)
  sourceAddress?: string;
}

/** A refresh token from a portal log-in (`km.users.authenticate` or an earlier `km.users.refresh`). */
export class RefreshUserRequest {
  @IsString() @Length(1, 8192)
  refreshToken!: string;
}

/** The portal's web sign-in callback URL (`km.portal.register-callback`). */
export class RegisterPortalCallbackRequest {
  @IsString() @Length(1, 2048) @Matches(/^https?:\/\/[^\s]+$/, { message: 'redirectUri must be an http(s) URL' })
  redirectUri!: string;
}

export interface PortalClientView {
  clientId: string;
  redirectUris: string[];
}

/** An authorization code of the portal's client, with the redirect URI and PKCE verifier of its request (`km.users.exchange-code`). */
export class ExchangeCodeRequest {
  @IsString() @Length(1, 512)
  code!: string;

  @IsString() @Length(1, 2048)
  redirectUri!: string;

  @IsString() @Length(43, 128)
  codeVerifier!: string;
}

/** A token response; `expiresIn` in seconds. */
export interface TokenSetView {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken?: string;
  scopes: string[];
}

export class ValidateTokenRequest {
  @IsString() @Length(1, 8192)
  token!: string;
}

export interface TokenValidationView {
  active: boolean;
  username?: string;
  clientId?: string;
  scopes?: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
}

/** A stored secret as it sits in the Key Manager's database: ciphertext (or plaintext) plus how it was stored. */
export interface ProtectedSecretView {
  stored: string;
  scheme: string;
  hash: string;
}

class ClientSettings {
  @IsOptional() @IsArray() @ArrayMaxSize(GRANT_TYPES.length) @IsIn(GRANT_TYPES, { each: true })
  grantTypes?: GrantType[];
  @IsOptional() @IsArray() @ArrayMaxSize(CLIENT_LIMITS.maxRedirectUris) @IsString({ each: true }) @MaxLength(CLIENT_LIMITS.maxRedirectUriLength, { each: true })
  redirectUris?: string[];
  @IsOptional() @IsIn(TOKEN_TYPES)
  tokenType?: TokenTypeExtension;
  /** Seconds; per-client lifetimes as WSO2's `ext_*_lifetime` fields. */
  @IsOptional() @IsInt() @Min(1) @Max(CLIENT_LIMITS.maxLifetimeSeconds)
  applicationTokenLifetime?: number;
  @IsOptional() @IsInt() @Min(1) @Max(CLIENT_LIMITS.maxLifetimeSeconds)
  userTokenLifetime?: number;
  @IsOptional() @IsInt() @Min(1) @Max(CLIENT_LIMITS.maxLifetimeSeconds)
  refreshTokenLifetime?: number;
  /** WSO2's `pkceMandatory` / `pkceSupportPlain` application settings. */
  @IsOptional() @IsBoolean()
  pkceMandatory?: boolean;
  @IsOptional() @IsBoolean()
  pkceSupportPlain?: boolean;
  /**
   * The scopes the client may be granted (WSO2 DCR `application_scopes`; the portal's key generation
   * `scopes`); replaces the list. A Key Manager older than this refuses the field: send it only when set.
   */
  @IsOptional() @IsArray() @ArrayMaxSize(CLIENT_LIMITS.maxScopes) @IsString({ each: true }) @Matches(SCOPE_PATTERN, { each: true })
  scopes?: string[];
}

export class CreateClientRequest extends ClientSettings {
  @IsString() @Length(1, CLIENT_LIMITS.maxNameLength)
  clientName!: string;
  /** The portal user who owns the application (WSO2's `ext_application_owner`). */
  @IsString() @Length(1, CLIENT_LIMITS.maxOwnerLength)
  owner!: string;
}

export class UpdateClientRequest extends ClientSettings {
  @IsString() @Length(1, 128)
  clientId!: string;
  @IsOptional() @IsString() @Length(1, CLIENT_LIMITS.maxNameLength)
  clientName?: string;
}

export class ClientIdRequest {
  @IsString() @Length(1, 128)
  clientId!: string;
}

export interface ClientView {
  clientId: string;
  /** Stored form only: when encryption is on the consumer secret crosses the bus as its ciphertext. */
  clientSecret: ProtectedSecretView;
  /**
   * The new consumer secret in plaintext, only in the replies that issue one (create, regenerate) and only
   * when its stored form cannot be read back (stored as a hash only, `enable_token_hashing`): the portal
   * shows it this once, as WSO2 does.
   */
  issuedSecret?: string;
  clientName: string;
  owner: string;
  grantTypes: GrantType[];
  redirectUris: string[];
  tokenType: TokenTypeExtension;
  applicationTokenLifetime: number;
  userTokenLifetime: number;
  refreshTokenLifetime: number;
  /** Absent in replies of a Key Manager older than these settings. */
  pkceMandatory?: boolean;
  pkceSupportPlain?: boolean;
  /** The scopes the client may be granted besides `default`, `openid` and `device_*`; absent from an older Key Manager. */
  scopes?: string[];
  createdAt: string;
  updatedAt: string;
}

/** The longest description of a consumer secret (WSO2's `IDN_OAUTH_CONSUMER_SECRETS.DESCRIPTION`). */
export const CLIENT_SECRET_DESCRIPTION_MAX = 1024;
/** The longest `expiresIn` of a consumer secret, in seconds (100 years). */
export const CLIENT_SECRET_EXPIRES_IN_MAX = 3_153_600_000;

/** Adds a consumer secret beside the client's others (WSO2 4.7's several secrets per client). */
export class GenerateClientSecretRequest {
  @IsString() @Length(1, 128)
  clientId!: string;
  @IsOptional() @IsString() @MaxLength(CLIENT_SECRET_DESCRIPTION_MAX)
  description?: string;
  /** Seconds from now; absent or 0: it never expires. */
  @IsOptional() @IsInt() @Min(0) @Max(CLIENT_SECRET_EXPIRES_IN_MAX)
  expiresIn?: number;
}

export class RevokeClientSecretRequest {
  @IsString() @Length(1, 128)
  clientId!: string;
  @IsString() @Length(1, 255)
  secretId!: string;
}

/** A presented secret's lookup hash (hex SHA-256), never the secret: is it one of the client's working secrets? */
export class MatchClientSecretRequest {
  @IsString() @Length(1, 128)
  clientId!: string;
  @IsString() @Matches(/^[0-9a-f]{64}$/)
  secretHash!: string;
}

/**
 * An existing client to bring into a portal application (WSO2's map-keys): its consumer key and one of its
 * consumer secrets, which the Key Manager checks as client authentication does. The secret crosses the bus
 * as a log-in password does (field names that the logs redact).
 */
export class MapClientRequest {
  @IsString() @Length(1, 128)
  clientId!: string;
  @IsString() @Length(1, 512)
  clientSecret!: string;
  /** The address the request came from, as the portal saw it: the authentication throttle counts failures per address. */
  @IsOptional() @IsString() @Length(1, 64)
  sourceAddress?: string;
}

export interface MatchClientSecretView {
  matches: boolean;
}

/** One consumer secret of a client: never its value, except `secretValue` in the reply that issues it. */
export interface ClientSecretView {
  secretId: string;
  /** The client's own secret (the one `regenerate-secret` replaces), as opposed to one added beside it. */
  own: boolean;
  description: string | null;
  /** ISO 8601; null when it never expires. */
  expiresAt: string | null;
  createdAt: string;
  expired: boolean;
  /** Plaintext, only in the reply of `km.clients.secrets.generate`. */
  secretValue?: string;
}

export interface ClientSecretListView {
  list: ClientSecretView[];
}

export interface RevokeClientSecretView {
  revoked: true;
  /** Whether the client's own secret was the one revoked (the portal forgets its copy). */
  own: boolean;
}

export interface DeleteClientView {
  clientId: string;
  revokedTokens: number;
}

export class IssueTokenRequest {
  @IsString() @Length(1, 128)
  clientId!: string;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Matches(SCOPE_PATTERN, { each: true })
  scopes?: string[];
  /** Seconds; the client's application token lifetime when absent. */
  @IsOptional() @IsInt() @Min(1) @Max(CLIENT_LIMITS.maxLifetimeSeconds)
  validityPeriod?: number;
}

export class RevokeTokensRequest {
  @IsString() @Length(1, 128)
  clientId!: string;
  /** One token (access or refresh) of this client; all of the client's tokens when absent. */
  @IsOptional() @IsString() @Length(1, 8192)
  token?: string;
}

export interface RevokeTokensView {
  revoked: number;
}

/** A declared change of encryption settings in progress: peers on either side of it accept each other. */
export interface TransitionView {
  id: string;
  from: EncryptionProfile;
  to: EncryptionProfile;
  phase: 'prepared' | 'committed';
  declaredAt: string;
}

export interface ProfileView {
  profile: EncryptionProfile;
  /** Key ids (certificate thumbprints, AES key ids) this instance can read. */
  readableKeyIds: string[];
  transition: TransitionView | null;
  /** The Key Manager's deployment (see `PeerInfo.deployment`): a portal pins the first it agrees with. */
  deployment?: string;
}

/** Request and response types per pattern; both sides are typed from this one map. */
export interface KeyManagerContract {
  [KeyManagerPatterns.ProfileGet]: { request: EmptyRequest; response: ProfileView };
  [KeyManagerPatterns.UserCreate]: { request: CreateUserRequest; response: UserView };
  [KeyManagerPatterns.UserAuthenticate]: { request: AuthenticateUserRequest; response: TokenSetView };
  [KeyManagerPatterns.UserRefresh]: { request: RefreshUserRequest; response: TokenSetView };
  [KeyManagerPatterns.PortalRegisterCallback]: { request: RegisterPortalCallbackRequest; response: PortalClientView };
  [KeyManagerPatterns.UserExchangeCode]: { request: ExchangeCodeRequest; response: TokenSetView };
  [KeyManagerPatterns.TokenValidate]: { request: ValidateTokenRequest; response: TokenValidationView };
  [KeyManagerPatterns.ClientCreate]: { request: CreateClientRequest; response: ClientView };
  [KeyManagerPatterns.ClientGet]: { request: ClientIdRequest; response: ClientView };
  [KeyManagerPatterns.ClientUpdate]: { request: UpdateClientRequest; response: ClientView };
  [KeyManagerPatterns.ClientDelete]: { request: ClientIdRequest; response: DeleteClientView };
  [KeyManagerPatterns.ClientRegenerateSecret]: { request: ClientIdRequest; response: ClientView };
  [KeyManagerPatterns.ClientSecretGenerate]: { request: GenerateClientSecretRequest; response: ClientSecretView };
  [KeyManagerPatterns.ClientSecretList]: { request: ClientIdRequest; response: ClientSecretListView };
  [KeyManagerPatterns.ClientSecretRevoke]: { request: RevokeClientSecretRequest; response: RevokeClientSecretView };
  [KeyManagerPatterns.ClientSecretMatch]: { request: MatchClientSecretRequest; response: MatchClientSecretView };
  [KeyManagerPatterns.ClientMap]: { request: MapClientRequest; response: ClientView };
  [KeyManagerPatterns.TokenIssue]: { request: IssueTokenRequest; response: TokenSetView };
  [KeyManagerPatterns.TokenRevoke]: { request: RevokeTokensRequest; response: RevokeTokensView };
}

export type RequestOf<P extends keyof KeyManagerContract> = KeyManagerContract[P]['request'];
export type ResponseOf<P extends keyof KeyManagerContract> = KeyManagerContract[P]['response'];
