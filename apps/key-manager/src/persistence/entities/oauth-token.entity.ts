import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TokenTypeExtension } from '@app/contracts';

/** ACTIVE; INACTIVE once refreshed (rotated) — kept to detect reuse; REVOKED. */
export type TokenState = 'ACTIVE' | 'INACTIVE' | 'REVOKED';

/**
 * One access token with its optional refresh token (WSO2's IDN_OAUTH2_ACCESS_TOKEN). The hot paths read and
 * write this table with hand-written SQL (TokensRepository); the entity describes it for TypeORM.
 */
@Entity({ name: 'oauth_tokens' })
export class OAuthTokenEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  @Column('text', { nullable: true })
  username!: string | null;

  @Column('text')
  scopes!: string;

  @Column('text', { name: 'token_type' })
  tokenType!: TokenTypeExtension;

  @Column('text', { name: 'grant_type' })
  grantType!: string;

  /** Opaque token, or the JWT's `jti`, in stored form. */
  @Column('text', { name: 'access_token' })
  accessToken!: string;

  @Column('text', { name: 'access_token_scheme' })
  accessTokenScheme!: string;

  @Column('text', { name: 'access_token_hash' })
  accessTokenHash!: string;

  /** The token's selector (@app/crypto token-selector.util); null for a token found by its hash only. */
  @Column('uuid', { name: 'access_token_selector', nullable: true })
  accessTokenSelector!: string | null;

  @Column('text', { name: 'refresh_token', nullable: true })
  refreshToken!: string | null;

  @Column('text', { name: 'refresh_token_scheme', nullable: true })
  refreshTokenScheme!: string | null;

  @Column('text', { name: 'refresh_token_hash', nullable: true })
  refreshTokenHash!: string | null;

  @Column('uuid', { name: 'refresh_token_selector', nullable: true })
  refreshTokenSelector!: string | null;

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'refresh_expires_at', nullable: true })
  refreshExpiresAt!: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @Column('text')
  state!: TokenState;

  @Column('uuid', { name: 'family_id' })
  familyId!: string;

  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId!: string | null;

  @Column('uuid', { name: 'authorization_code_id', nullable: true })
  authorizationCodeId!: string | null;

  /** When the user last signed in for this chain (ID tokens' `auth_time`); null when unknown or no user. */
  @Column('timestamptz', { name: 'auth_time', nullable: true })
  authTime!: Date | null;

  /** Thumbprint of the key that signed the JWT; null for opaque tokens. */
  @Column('text', { name: 'signing_key_id', nullable: true })
  signingKeyId!: string | null;
}
