import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import { TaskStatus } from '@jobnest/common';
import { bigintToNumber } from '../column-transformers';

/**
 * One task of a Map / MapReduce / Broadcast instance: the root task and every subtask a ctx.map() created.
 * Written in batches by the TaskTracker (and by ctx.map() on any worker); never one statement per task.
 */
@Entity({ name: 'task' })
@Index('idx_task_instance_status', ['instanceId', 'status', 'id', 'appId'])
@Index('uk_task_map_key', ['instanceId', 'mapKey'], { unique: true })
export class TaskEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Column({ name: 'instance_id', type: 'bigint', transformer: bigintToNumber })
  instanceId!: number;

  /** The instance's app: worker statements filter on it (a worker's MySQL user may be granted this table alone). */
  @Column({ name: 'app_id', type: 'int', default: 0 })
  appId!: number;

  /** Null for the root task. */
  @Column({ name: 'parent_id', type: 'bigint', nullable: true, transformer: bigintToNumber })
  parentId!: number | null;

  /** `<parent id>:<map call>:<item index>`: a parent re-run after a crash maps the same rows again, not new ones. */
  @Column({ name: 'map_key', type: 'varchar', length: 80 })
  mapKey!: string;

  @Column({ name: 'task_name', type: 'varchar', length: 200 })
  taskName!: string;

  /** JSON of the mapped item. */
  @Column({ type: 'mediumtext', nullable: true })
  payload!: string | null;

  /**
   * WAITING_DISPATCH until a result is stored (a Map / MapReduce subtask in flight is known to its TaskTracker only;
   * see TaskStore), then SUCCEEDED or FAILED. DISPATCHED is written for broadcast tasks only.
   */
  @Column({ type: 'varchar', length: 20 })
  status!: TaskStatus;

  /** The worker that reported the last run (or that a broadcast task was sent to). */
  @Column({ name: 'worker_id', type: 'varchar', length: 100, nullable: true })
  workerId!: string | null;

  /** Runs of the task reported so far (successful or not). */
  @Column({ type: 'int', default: 0 })
  attempt!: number;

  /** Failed runs so far (retried while <= taskRetries). */
  @Column({ type: 'int', default: 0 })
  failures!: number;

  @Column({ type: 'mediumtext', nullable: true })
  result!: string | null;

  @Column({ name: 'created_time', type: 'bigint', transformer: bigintToNumber })
  createdTime!: number;

  @Column({ name: 'updated_time', type: 'bigint', transformer: bigintToNumber })
  updatedTime!: number;
}
