import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { GrantType, TokenTypeExtension } from '@app/contracts';

/** An OAuth2 client (WSO2's consumer key / secret). The secret columns follow `STORED_SECRETS`. */
@Entity({ name: 'oauth_clients' })
export class OAuthClientEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  /** Stored form (ciphertext or plaintext per `client_secret_scheme`); null for public clients. */
  @Column('text', { name: 'client_secret', nullable: true })
  clientSecret!: string | null;

  @Column('text', { name: 'client_secret_scheme', nullable: true })
  clientSecretScheme!: string | null;

  @Column('text', { name: 'client_secret_hash', nullable: true })
  clientSecretHash!: string | null;

  /** The `secretId` of the client's own secret (WSO2 4.7 lists and revokes it like the added ones); null without one. */
  @Column('uuid', { name: 'client_secret_id', nullable: true })
  clientSecretId!: string | null;

  @Column('timestamptz', { name: 'client_secret_created_at', nullable: true })
  clientSecretCreatedAt!: Date | null;

  @Column('text', { name: 'client_name' })
  clientName!: string;

  @Column('text')
  owner!: string;

  @Column('text', { name: 'grant_types', array: true })
  grantTypes!: GrantType[];

  @Column('text', { name: 'redirect_uris', array: true })
  redirectUris!: string[];

  @Column('text', { name: 'token_type' })
  tokenType!: TokenTypeExtension;

  @Column('integer', { name: 'application_token_lifetime' })
  applicationTokenLifetime!: number;

  @Column('integer', { name: 'user_token_lifetime' })
  userTokenLifetime!: number;

  @Column('integer', { name: 'refresh_token_lifetime' })
  refreshTokenLifetime!: number;

  @Column('boolean', { name: 'public_client' })
  publicClient!: boolean;

  @Column('boolean', { name: 'resource_server' })
  resourceServer!: boolean;

  /** WSO2's `pkceMandatory` (migration PkceSettings). */
  @Column('boolean', { name: 'pkce_mandatory', default: false })
  pkceMandatory!: boolean;

  /** WSO2's `pkceSupportPlain`. */
  @Column('boolean', { name: 'pkce_support_plain', default: false })
  pkceSupportPlain!: boolean;

  /** The scopes the client may be granted besides those every client may (migration ClientScopes). */
  @Column('text', { array: true, default: () => "'{}'" })
  scopes!: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
