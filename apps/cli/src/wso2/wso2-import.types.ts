import type { GrantType, TokenTypeExtension } from '@app/contracts';
import type { ProtectedSecret } from '@app/crypto';

/**
 * One row of WSO2's IDN_OAUTH_CONSUMER_APPS with the IDN_OIDC_PROPERTY values the import uses. Numbers
 * are as WSO2 stores them: lifetimes in seconds. Columns a WSO2 release lacks come back null.
 */
export interface Wso2AppRow {
  id: number;
  consumerKey: string;
  consumerSecret: string | null;
  username: string | null;
  userDomain: string | null;
  tenantId: number | null;
  appName: string | null;
  callbackUrl: string | null;
  /** Space separated, e.g. `client_credentials password refresh_token`. */
  grantTypes: string | null;
  appState: string | null;
  userAccessTokenExpireTime: number | null;
  appAccessTokenExpireTime: number | null;
  refreshTokenExpireTime: number | null;
  /** IDN_OIDC_PROPERTY `tokenType` (`JWT`, `Default`…), null when WSO2 recorded none. */
  tokenType: string | null;
  /** IDN_OIDC_PROPERTY `bypassClientCredentials` (`true` for WSO2 public clients). */
  bypassClientCredentials: string | null;
  /** PKCE_MANDATORY, read as WSO2's OAuthAppDAO reads it: anything but `'0'` is on; false where the release lacks the column. */
  pkceMandatory: boolean;
  /** PKCE_SUPPORT_PLAIN, read the same way. */
  pkceSupportPlain: boolean;
  /** Its rows of IDN_OAUTH_CONSUMER_SECRETS (WSO2 releases with several secrets per app), oldest first; absent without that table. */
  secrets?: Wso2ConsumerSecretRow[];
}

/**
 * One row of WSO2's IDN_OAUTH_CONSUMER_SECRETS, in either of WSO2's layouts: identity-inbound-auth-oauth's
 * (SECRET_ID, CONSUMER_KEY_ID, SECRET_VALUE, CREATED_TIME, EXPIRY_TIME) or API Manager 4.3.0.99+'s (ID, SECRET_ID,
 * DESCRIPTION, CONSUMER_KEY, SECRET_VALUE, SECRET_HASH, EXPIRY_TIME). Columns a layout lacks read as null.
 */
export interface Wso2ConsumerSecretRow {
  secretId: string;
  /** SECRET_VALUE as stored: plaintext, ciphertext, or WSO2's hash of it. */
  value: string;
  /** SECRET_HASH (API Manager's layout). */
  hash: string | null;
  description: string | null;
  /** CREATED_TIME, epoch milliseconds. */
  createdTime: number | null;
  /** EXPIRY_TIME as stored: epoch milliseconds (0 or null: never). */
  expiryTime: number | null;
}

/**
 * One row of WSO2's IDN_OAUTH2_ACCESS_TOKEN with its app's consumer key and its scopes
 * (IDN_OAUTH2_ACCESS_TOKEN_SCOPE). Times are epoch milliseconds (WSO2 writes its TIMESTAMP columns in UTC),
 * validity periods milliseconds, as WSO2 stores them.
 */
export interface Wso2TokenRow {
  tokenId: string;
  accessToken: string | null;
  refreshToken: string | null;
  consumerKey: string;
  authzUser: string | null;
  userDomain: string | null;
  /** `APPLICATION` (client_credentials: the token belongs to the app) or `APPLICATION_USER`. */
  userType: string | null;
  grantType: string | null;
  timeCreated: number | null;
  refreshTokenTimeCreated: number | null;
  validityPeriod: number | null;
  refreshTokenValidityPeriod: number | null;
  /** ACTIVE, INACTIVE (rotated by a refresh), REVOKED or EXPIRED. */
  tokenState: string | null;
  /**
   * WSO2's own lookup hash of the token (or of the JWT's jti), when the release has the column: the JSON
   * `{"hash":"<hex>","algorithm":"SHA-256"}` since identity-inbound-auth-oauth 6.0.33, bare hex before.
   */
  accessTokenHash: string | null;
  refreshTokenHash: string | null;
  /** AUTHORIZED_ORGANIZATION (newer releases): `NONE`, or the sub-organization the token was issued for. */
  authorizedOrganization: string | null;
  scopes: string[];
}

/** Why a value or row was not imported. Stable: scripts and runbooks may branch on these. */
export type ImportFailureCode =
  /** Not a WSO2 ciphertext, or altered: it does not decrypt with the key it names. */
  | 'WSO2_VALUE_UNDECRYPTABLE'
  /** Made with a keystore or key this deployment.toml does not configure. */
  | 'WSO2_KEY_NOT_CONFIGURED'
  /** `--source-encrypted false`, but the value is one of WSO2's self-contained ciphertexts. */
  | 'WSO2_VALUE_LOOKS_ENCRYPTED'
  /** The plaintext (or WSO2's stored hash of it) does not match WSO2's own ACCESS_TOKEN_HASH / REFRESH_TOKEN_HASH. */
  | 'WSO2_HASH_MISMATCH'
  /** WSO2 kept only a hash of the secret, made with another algorithm than SHA-256 (its `hash_token_algorithm`). */
  | 'WSO2_HASH_UNSUPPORTED'
  /** An empty secret (or a row without its access token): nothing anyone could present. */
  | 'WSO2_VALUE_EMPTY'
  /** A full JWT stored as the access token, but without a `jti` to store in its place. */
  | 'WSO2_JWT_WITHOUT_JTI'
  /** A token row without its creation time or validity: its expiry cannot be known. */
  | 'WSO2_TOKEN_INCOMPLETE'
  /** A token issued for a sub-organization (AUTHORIZED_ORGANIZATION): this Key Manager has no organizations. */
  | 'WSO2_TOKEN_ORGANIZATION'
  /** A TOKEN_STATE this import does not know. */
  | 'WSO2_TOKEN_STATE_UNKNOWN'
  /** Apps of several tenants share this consumer key (unique per tenant in WSO2's current DDL, not here). */
  | 'WSO2_CONSUMER_KEY_AMBIGUOUS'
  /** Another client here already has this consumer secret (secrets are unique by hash). */
  | 'WSO2_SECRET_TAKEN'
  /** An IDN_OAUTH_CONSUMER_SECRETS row with a negative EXPIRY_TIME (WSO2 refuses those too). */
  | 'WSO2_SECRET_EXPIRY_INVALID'
  /** The refresh token is already stored here with another access token. */
  | 'WSO2_TOKEN_CONFLICT';

/** A failure as reported: the code and a message that names no secret. */
export interface ImportFailure {
  code: ImportFailureCode;
  message: string;
}

/** A WSO2 app as our client, without its secret (read separately: it may fail on its own). */
export interface MappedClient {
  clientId: string;
  clientName: string;
  owner: string;
  grantTypes: GrantType[];
  redirectUris: string[];
  tokenType: TokenTypeExtension;
  /** True when WSO2 recorded no token type and the default was used. */
  tokenTypeDefaulted: boolean;
  applicationTokenLifetime: number;
  userTokenLifetime: number;
  refreshTokenLifetime: number;
  publicClient: boolean;
  /** WSO2's `pkceMandatory` and `pkceSupportPlain`, as the Key Manager has them per client. */
  pkceMandatory: boolean;
  pkceSupportPlain: boolean;
}

/** A client ready to insert into the Key Manager's `oauth_clients`: the mapped client and its secret (null for public clients). */
export interface ImportedClient extends Omit<MappedClient, 'tokenTypeDefaulted'> {
  /** The client's own secret; null for public clients, and when WSO2 gave it an expiry (it is then among `addedSecrets`). */
  secret: ProtectedSecret | null;
  /** WSO2's SECRET_ID and CREATED_TIME (epoch ms) of that secret, when IDN_OAUTH_CONSUMER_SECRETS has it. */
  secretId?: string | null;
  secretCreatedAt?: number | null;
  /** The app's other secrets (`oauth_client_secrets`). */
  addedSecrets?: ImportedClientSecret[];
}

/** A secret of IDN_OAUTH_CONSUMER_SECRETS other than the app's own, ready for `oauth_client_secrets`. Times in epoch ms. */
export interface ImportedClientSecret {
  id: string;
  secret: ProtectedSecret;
  description: string | null;
  createdAt: number | null;
  expiresAt: number | null;
}

/** Our token states (WSO2's EXPIRED is ACTIVE here: the times say whether it is still usable). */
export type ImportedTokenState = 'ACTIVE' | 'INACTIVE' | 'REVOKED';

/** A token row ready to insert into the Key Manager's `oauth_tokens`. Times in epoch seconds. */
export interface ImportedToken {
  clientId: string;
  username: string | null;
  scopes: string;
  tokenType: TokenTypeExtension;
  grantType: string;
  access: ProtectedSecret;
  /**
   * The access token's selector (@app/crypto token-selector.util), computed as the Key Manager computes it
   * for a presented token: `selectorOfJti` of a JWT row's jti, `selectorOfSecret` of an opaque token. Null
   * when it has none (WSO2's UUIDv4 tokens and jtis) or its plaintext is unknown (WSO2 kept only its hash):
   * the row is then found by its hash.
   */
  accessSelector: string | null;
  refresh: ProtectedSecret | null;
  /** The refresh token's selector (`selectorOfSecret`), null likewise. */
  refreshSelector: string | null;
  issuedAt: number;
  expiresAt: number;
  refreshExpiresAt: number | null;
  revokedAt: number | null;
  state: ImportedTokenState;
}
