import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TimeExpressionType, WorkflowDag, WorkflowOverlapPolicy } from '@jobnest/common';
import { bigintToNumber } from '../column-transformers';

/** JSON text of a workflow's DAG (nodes and edges). */
export const dagColumn = {
  to: (value: WorkflowDag | null | undefined) => JSON.stringify(value ?? { nodes: [], edges: [] }),
  from: (value: string | null): WorkflowDag => (value ? (JSON.parse(value) as WorkflowDag) : { nodes: [], edges: [] }),
};

/** A workflow definition: a DAG of nodes (jobs, decisions, nested workflows) and when it runs. */
@Entity({ name: 'workflow_info' })
@Index('idx_workflow_app', ['appId', 'id'])
export class WorkflowInfoEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 1000, default: '' })
  description!: string;

  @Column({ type: 'mediumtext', transformer: dagColumn })
  dag!: WorkflowDag;

  /** API, CRON, FIXED_RATE or DAILY_TIME_INTERVAL. */
  @Column({ name: 'time_expression_type', type: 'varchar', length: 30 })
  timeExpressionType!: TimeExpressionType;

  @Column({ name: 'time_expression', type: 'varchar', length: 1000, nullable: true })
  timeExpression!: string | null;

  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' })
  timeZone!: string;

  @Column({ name: 'lifecycle_start', type: 'bigint', nullable: true, transformer: bigintToNumber })
  lifecycleStart!: number | null;

  @Column({ name: 'lifecycle_end', type: 'bigint', nullable: true, transformer: bigintToNumber })
  lifecycleEnd!: number | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Unfinished instances allowed at once (API runs beyond it answer 409); 0 = no limit. */
  @Column({ name: 'max_instances', type: 'int', default: 0 })
  maxInstances!: number;

  /** What a slot does while instances are unfinished. */
  @Column({ name: 'overlap_policy', type: 'varchar', length: 20, default: 'SKIP' })
  overlapPolicy!: WorkflowOverlapPolicy;

  /** Most slots BUFFER_ALL keeps waiting. */
  @Column({ name: 'overlap_buffer_limit', type: 'int', default: 100 })
  overlapBufferLimit!: number;

  /** A failed node lets the branches that do not depend on it finish (the workflow still ends FAILED). */
  @Column({ name: 'continue_on_failure', type: 'boolean', default: false })
  continueOnFailure!: boolean;

  @Column({ name: 'skipped_slots', type: 'bigint', default: 0, transformer: bigintToNumber })
  skippedSlots!: number;

  @Column({ name: 'misfired_slots', type: 'bigint', default: 0, transformer: bigintToNumber })
  misfiredSlots!: number;

  /** The latest slot counted in skippedSlots or misfiredSlots (epoch ms); null before the first. */
  @Column({ name: 'last_counted_slot', type: 'bigint', nullable: true, transformer: bigintToNumber })
  lastCountedSlot!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
