import { Column, Entity, PrimaryColumn } from 'typeorm';

/** WSO2's key modes (`ApplicationKeyDTO.mode`). */
export type KeyMode = 'CREATED' | 'MAPPED';

/**
 * One row of `application_keys`: the portal's record of an OAuth2 client in the Key Manager. The consumer
 * secret is kept exactly as the Key Manager stored it (`consumer_secret` + `consumer_secret_scheme`:
 * ciphertext when encryption is on), with its lookup hash for checking a presented secret.
 */
@Entity({ name: 'application_keys' })
export class ApplicationKeyEntity {
  /** The keyMappingId of the API. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId!: string;

  /** PRODUCTION or SANDBOX. */
  @Column({ name: 'key_type', type: 'text' })
  keyType!: string;

  @Column({ name: 'consumer_key', type: 'text' })
  consumerKey!: string;

  /** Null once the key's own secret is revoked (it may hold others, in the Key Manager only). */
  @Column({ name: 'consumer_secret', type: 'text', nullable: true })
  consumerSecret!: string | null;

  @Column({ name: 'consumer_secret_scheme', type: 'text', nullable: true })
  consumerSecretScheme!: string | null;

  @Column({ name: 'consumer_secret_hash', type: 'text', nullable: true })
  consumerSecretHash!: string | null;

  @Column({ name: 'supported_grant_types', type: 'text', array: true })
  supportedGrantTypes!: string[];

  @Column({ name: 'callback_url', type: 'text', nullable: true })
  callbackUrl!: string | null;

  @Column({ name: 'key_state', type: 'text' })
  keyState!: string;

  /** `CREATED` by generate-keys, or `MAPPED` by map-keys (an existing client, never renamed or deleted by the portal). */
  @Column({ type: 'text', default: 'CREATED' })
  mode!: KeyMode;

  /** Seconds: the application access token lifetime asked for at generation. */
  @Column({ name: 'validity_time', type: 'integer' })
  validityTime!: number;

  @Column({ type: 'text', array: true })
  scopes!: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
