import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row of `applications`. Never leaves the service: mapped to the Application DTOs. */
@Entity({ name: 'applications' })
export class ApplicationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  owner!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'throttling_policy', type: 'text' })
  throttlingPolicy!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** WSO2's application token type: JWT or OAUTH. */
  @Column({ name: 'token_type', type: 'text' })
  tokenType!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
