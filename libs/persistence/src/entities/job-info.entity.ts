import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { DispatchStrategy, ExecuteType, JOB_DEFAULTS, OverlapPolicy, TimeExpressionType } from '@jobnest/common';
import { bigintToNumber, jsonStringList } from '../column-transformers';

/** A job definition: what to run (processor), how (execute type, limits) and when (time expression). */
@Entity({ name: 'job_info' })
@Index('idx_job_app', ['appId', 'id'])
export class JobInfoEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 1000, default: JOB_DEFAULTS.description })
  description!: string;

  @Column({ type: 'varchar', length: 200 })
  processor!: string;

  @Column({ name: 'execute_type', type: 'varchar', length: 20 })
  executeType!: ExecuteType;

  @Column({ name: 'time_expression_type', type: 'varchar', length: 30 })
  timeExpressionType!: TimeExpressionType;

  @Column({ name: 'time_expression', type: 'varchar', length: 1000, nullable: true })
  timeExpression!: string | null;

  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: JOB_DEFAULTS.timeZone })
  timeZone!: string;

  @Column({ name: 'job_params', type: 'mediumtext', nullable: true })
  jobParams!: string | null;

  /** Concurrent unfinished instances allowed; 0 = no limit. */
  @Column({ name: 'max_instances', type: 'int', default: JOB_DEFAULTS.maxInstances })
  maxInstances!: number;

  /** Subtasks run at once per worker (Map / MapReduce / Broadcast). */
  @Column({ type: 'int', default: JOB_DEFAULTS.concurrency })
  concurrency!: number;

  /** 0 = no limit. */
  @Column({
    name: 'instance_time_limit_ms',
    type: 'bigint',
    default: JOB_DEFAULTS.instanceTimeLimitMs,
    transformer: bigintToNumber,
  })
  instanceTimeLimitMs!: number;

  @Column({ name: 'instance_retries', type: 'int', default: JOB_DEFAULTS.instanceRetries })
  instanceRetries!: number;

  @Column({ name: 'task_retries', type: 'int', default: JOB_DEFAULTS.taskRetries })
  taskRetries!: number;

  @Column({ name: 'dispatch_strategy', type: 'varchar', length: 20, default: JOB_DEFAULTS.dispatchStrategy })
  dispatchStrategy!: DispatchStrategy;

  /** Worker ids or tags (SPECIFY), stored as JSON. */
  @Column({ name: 'designated_workers', type: 'text', transformer: jsonStringList })
  designatedWorkers!: string[];

  /** 0 = no limit. */
  @Column({ name: 'max_worker_count', type: 'int', default: JOB_DEFAULTS.maxWorkerCount })
  maxWorkerCount!: number;

  @Column({ name: 'min_cpu_cores', type: 'double', default: JOB_DEFAULTS.minCpuCores })
  minCpuCores!: number;

  @Column({ name: 'min_memory_mb', type: 'int', default: JOB_DEFAULTS.minMemoryMb })
  minMemoryMb!: number;

  @Column({ name: 'lifecycle_start', type: 'bigint', nullable: true, transformer: bigintToNumber })
  lifecycleStart!: number | null;

  @Column({ name: 'lifecycle_end', type: 'bigint', nullable: true, transformer: bigintToNumber })
  lifecycleEnd!: number | null;

  @Column({ type: 'boolean', default: JOB_DEFAULTS.enabled })
  enabled!: boolean;

  /** Where an instance's concurrency key is in its params (dotted path in the JSON object); null: no path. */
  @Column({ name: 'concurrency_key_path', type: 'varchar', length: 200, nullable: true })
  concurrencyKeyPath!: string | null;

  /** Instances started at once per concurrency key (the others wait); 0 = no limit. */
  @Column({ name: 'concurrency_limit', type: 'int', default: JOB_DEFAULTS.concurrencyLimit })
  concurrencyLimit!: number;

  /** Starts per `ratePeriodMs` per concurrency key (a sliding window; the others wait); 0 = no limit. */
  @Column({ name: 'rate_limit', type: 'int', default: JOB_DEFAULTS.rateLimit })
  rateLimit!: number;

  @Column({ name: 'rate_period_ms', type: 'int', default: JOB_DEFAULTS.ratePeriodMs })
  ratePeriodMs!: number;

  /** Priority of the job's runs that do not give one: among waiting instances, higher starts first. */
  @Column({ type: 'int', default: JOB_DEFAULTS.priority })
  priority!: number;

  /** What a timer slot does while an earlier instance is unfinished. */
  @Column({ name: 'overlap_policy', type: 'varchar', length: 16, default: JOB_DEFAULTS.overlapPolicy })
  overlapPolicy!: OverlapPolicy;

  /** Most slots BUFFER_ALL keeps waiting. */
  @Column({ name: 'overlap_buffer_limit', type: 'int', default: JOB_DEFAULTS.overlapBufferLimit })
  overlapBufferLimit!: number;

  /** Timer slots skipped because the previous instance still waited for a worker, or maxInstances was reached. */
  @Column({ name: 'skipped_slots', type: 'bigint', default: 0, transformer: bigintToNumber })
  skippedSlots!: number;

  /** Timer slots not fired because they were already older than the misfire threshold (servers down). */
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
