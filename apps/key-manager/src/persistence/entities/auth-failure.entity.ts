import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One counter of the authentication throttle (AuthFailuresRepository reads and writes it with SQL). */
@Entity({ name: 'auth_failures' })
export class AuthFailureEntity {
  @PrimaryColumn('text')
  key!: string;

  @Column('integer')
  failures!: number;

  @Column('timestamptz', { name: 'last_failure_at' })
  lastFailureAt!: Date;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil!: Date | null;
}
