import { Column, Entity, PrimaryColumn } from 'typeorm';

/** PENDING until the user approves (AUTHORIZED) or denies (DENIED); USED once tokens were issued for it. */
export type DeviceAuthorizationStatus = 'PENDING' | 'AUTHORIZED' | 'DENIED' | 'USED';

/**
 * An RFC 8628 device authorization. The device code follows `STORED_SECRETS`; the user code is kept as its
 * hash only. The device flow reads and writes this table with hand-written SQL (DeviceAuthorizationsRepository).
 */
@Entity({ name: 'device_authorizations' })
export class DeviceAuthorizationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'device_code' })
  deviceCode!: string;

  @Column('text', { name: 'device_code_scheme' })
  deviceCodeScheme!: string;

  @Column('text', { name: 'device_code_hash' })
  deviceCodeHash!: string;

  @Column('text', { name: 'user_code_hash' })
  userCodeHash!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  @Column('text')
  scopes!: string;

  @Column('text')
  status!: DeviceAuthorizationStatus;

  /** The user who approved; null until then. */
  @Column('text', { nullable: true })
  username!: string | null;

  @Column('timestamptz', { name: 'auth_time', nullable: true })
  authTime!: Date | null;

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  /** Seconds the device must wait between polls. */
  @Column('integer', { name: 'polling_interval' })
  pollingInterval!: number;

  @Column('timestamptz', { name: 'last_polled_at', nullable: true })
  lastPolledAt!: Date | null;
}
