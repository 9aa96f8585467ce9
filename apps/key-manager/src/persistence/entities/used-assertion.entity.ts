import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A JWT accepted by the jwt-bearer grant, remembered by issuer and `jti` until it expires (single use). */
@Entity({ name: 'used_assertions' })
export class UsedAssertionEntity {
  @PrimaryColumn('text')
  issuer!: string;

  @PrimaryColumn('text')
  jti!: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}
