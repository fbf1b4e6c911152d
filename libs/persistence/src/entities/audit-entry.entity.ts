import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../column-transformers';

/** One mutating API call that succeeded: who did what to which object of which app, and when. */
@Entity({ name: 'audit_log' })
@Index('idx_audit_app_at', ['appId', 'id'])
@Index('idx_audit_at', ['at'])
export class AuditEntryEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  /** The app the call acted in; null for server-level calls (apps, users). */
  @Column({ name: 'app_id', type: 'int', nullable: true })
  appId!: number | null;

  /** `user:<name>`, `app:<name>` (an app-password token) or `admin:<name>` (the server admin). */
  @Column({ type: 'varchar', length: 120 })
  actor!: string;

  /** What was done, e.g. `job.create`, `instance.retry`, `grant.set`. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  /** The kind of object acted on: job, workflow, instance, workflow-instance, app, user, grant. */
  @Column({ name: 'target_type', type: 'varchar', length: 32 })
  targetType!: string;

  /** Its id or name, when the call names one. */
  @Column({ name: 'target_id', type: 'varchar', length: 120, nullable: true })
  targetId!: string | null;

  /** A short summary of the call (never a password or a token). */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  detail!: string | null;

  /** When the call was answered, epoch ms. */
  @Column({ type: 'bigint', transformer: bigintToNumber })
  at!: number;
}
