import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, Generated, UpdateDateColumn } from 'typeorm';
import { HoldReason, InstanceStatus } from '@jobnest/common';
import { bigintToNumber } from '../column-transformers';

/** One run of a job. `runningTimes` counts dispatches (1 = first run, +1 per retry or takeover). */
@Entity({ name: 'instance_info' })
@Index('idx_instance_app_job', ['appId', 'jobId', 'id'])
@Index('idx_instance_status_expected', ['status', 'expectedTriggerTime'])
@Index('idx_instance_job_status_waiting', ['jobId', 'status', 'waitingForWorker'])
@Index('idx_instance_finished', ['finishedTime'])
@Index('idx_instance_job_flow', [
  'jobId',
  'status',
  'heldBy',
  'flowKey',
  'priority',
  'expectedTriggerTime',
  'admittedTime',
])
@Index('idx_instance_job_admitted', ['jobId', 'admittedTime'])
@Index('uk_instance_job_slot', ['jobId', 'triggerSlot'], { unique: true })
@Index('uk_instance_wf_node', ['wfInstanceId', 'wfNodeId', 'wfAttempt'], { unique: true })
export class InstanceInfoEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Column({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ name: 'job_id', type: 'int' })
  jobId!: number;

  @Column({ type: 'varchar', length: 30 })
  status!: InstanceStatus;

  /** Why the instance is where it is (e.g. waiting for a worker), or the failure reason. */
  @Column({ name: 'status_reason', type: 'varchar', length: 1000, nullable: true })
  statusReason!: string | null;

  @Column({ type: 'mediumtext', nullable: true })
  result!: string | null;

  /** The TaskTracker worker of the current run. */
  @Column({ name: 'worker_id', type: 'varchar', length: 100, nullable: true })
  workerId!: string | null;

  @Column({ name: 'running_times', type: 'int', default: 0 })
  runningTimes!: number;

  @Column({ name: 'instance_params', type: 'mediumtext', nullable: true })
  instanceParams!: string | null;

  /** Timed triggers set this to the scheduled epoch ms: (job_id, trigger_slot) is unique, so a slot fires once. */
  @Column({ name: 'trigger_slot', type: 'bigint', nullable: true, transformer: bigintToNumber })
  triggerSlot!: number | null;

  @Column({ name: 'expected_trigger_time', type: 'bigint', transformer: bigintToNumber })
  expectedTriggerTime!: number;

  @Column({ name: 'actual_trigger_time', type: 'bigint', nullable: true, transformer: bigintToNumber })
  actualTriggerTime!: number | null;

  @Column({ name: 'finished_time', type: 'bigint', nullable: true, transformer: bigintToNumber })
  finishedTime!: number | null;

  /** When the current status was entered (dispatch, receive and report timeouts count from here). */
  @Column({ name: 'status_time', type: 'bigint', transformer: bigintToNumber })
  statusTime!: number;

  /** Subtask progress reported by the TaskTracker (JSON TaskCounts), for distributed execute types. */
  @Column({ name: 'task_counts', type: 'varchar', length: 500, nullable: true })
  taskCounts!: string | null;

  /** The next dispatch continues from the task table (the previous TaskTracker died) instead of starting over. */
  @Column({ name: 'resume_next', type: 'boolean', default: false })
  resumeNext!: boolean;

  /**
   * WAITING_DISPATCH because a dispatch attempt found no eligible worker (the reason is in `statusReason`); false in
   * every other state. A timer slot is skipped while an earlier instance of its job waits like this.
   */
  @Column({ name: 'waiting_for_worker', type: 'boolean', default: false })
  waitingForWorker!: boolean;

  /**
   * A node of a workflow instance: the workflow instance, the node and the node's attempt, unique together, so two
   * servers moving the workflow at once launch a node once.
   */
  @Column({ name: 'wf_instance_id', type: 'bigint', nullable: true, transformer: bigintToNumber })
  wfInstanceId!: number | null;

  @Column({ name: 'wf_node_id', type: 'varchar', length: 64, nullable: true })
  wfNodeId!: string | null;

  @Column({ name: 'wf_attempt', type: 'int', nullable: true })
  wfAttempt!: number | null;

  /** The workflow context the node started with (JSON object string). */
  @Column({ name: 'wf_context', type: 'mediumtext', nullable: true })
  wfContext!: string | null;

  /** The keys the node added to the context (JSON object string), stored with its SUCCEEDED status. */
  @Column({ name: 'wf_context_additions', type: 'mediumtext', nullable: true })
  wfContextAdditions!: string | null;

  /** A workflow node's replacement of the job's jobParams (null: the job's). */
  @Column({ name: 'job_params_override', type: 'mediumtext', nullable: true })
  jobParamsOverride!: string | null;

  /** A workflow node's replacement of the job's instanceRetries (null: the job's). */
  @Column({ name: 'instance_retries_override', type: 'int', nullable: true })
  instanceRetriesOverride!: number | null;

  /** A workflow node's replacement of the job's instanceTimeLimitMs (null: the job's). */
  @Column({ name: 'time_limit_override_ms', type: 'bigint', nullable: true, transformer: bigintToNumber })
  timeLimitOverrideMs!: number | null;

  /** The idempotency key the API run was created with (null: none). */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /**
   * The concurrency key of an instance of a job under flow control ('' when it has none); null for a job without
   * (its end frees nothing anyone waits for).
   */
  @Column({
    name: 'flow_key',
    type: 'varchar',
    length: 255,
    nullable: true,
    charset: 'utf8mb4',
    collation: 'utf8mb4_bin',
  })
  flowKey!: string | null;

  /** Among instances waiting for the same capacity, higher starts first. */
  @Column({ type: 'int', default: 0 })
  priority!: number;

  /** What holds this WAITING_DISPATCH instance back from dispatch; null: nothing (it may be dispatched). */
  @Column({ name: 'held_by', type: 'varchar', length: 16, nullable: true })
  heldBy!: HoldReason | null;

  /** When flow control let the instance start (epoch ms): the rate limit counts these. Null: never held or gated. */
  @Column({ name: 'admitted_time', type: 'bigint', nullable: true, transformer: bigintToNumber })
  admittedTime!: number | null;

  /** How many times another worker took the instance over from a dead TaskTracker. */
  @Column({ type: 'int', default: 0 })
  takeovers!: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
