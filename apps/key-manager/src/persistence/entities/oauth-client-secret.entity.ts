import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A consumer secret added to a client beside its own (WSO2 4.7's several secrets per client). The secret
 * columns follow `STORED_SECRETS`; `id` is the secret's `secretId`.
 */
@Entity({ name: 'oauth_client_secrets' })
export class OAuthClientSecretEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  @Column('text')
  secret!: string;

  @Column('text', { name: 'secret_scheme' })
  secretScheme!: string;

  @Column('text', { name: 'secret_hash' })
  secretHash!: string;

  @Column('varchar', { length: 1024, nullable: true })
  description!: string | null;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
