import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user of the Key Manager's own user store (password grant, the login form, portal sign-up). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  username!: string;

  /** `scrypt$N$r$p$salt$hash` (see PasswordHasher); never leaves the service. */
  @Column('text', { name: 'password_hash' })
  passwordHash!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
