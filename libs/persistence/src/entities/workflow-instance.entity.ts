import { Column, CreateDateColumn, Entity, Generated, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { WorkflowDag, WorkflowInstanceStatus, WorkflowNodeStatus } from '@jobnest/common';
import { bigintToNumber } from '../column-transformers';
import { dagColumn } from './workflow-info.entity';

/** Where one node of one workflow instance stands (the per-run DAG snapshot the API shows). */
export interface WorkflowNodeState {
  status: WorkflowNodeStatus;
  /** 1 for the first run of the node, +1 each time the workflow instance is retried from its failed nodes. */
  attempt: number;
  /** The job instance of a JOB node's current attempt. */
  instanceId: number | null;
  /** The child workflow instance of a NESTED_WORKFLOW node's current attempt. */
  childInstanceId: number | null;
  result: string | null;
  /** Why the node is where it is (a failure, a cancel, an operator override). */
  reason: string | null;
  startTime: number | null;
  endTime: number | null;
  /** A DECISION node's outcome. */
  decision?: boolean;
  /** An operator marked the failed node succeeded. */
  markedSucceeded?: boolean;
}

const nodeStatesColumn = {
  to: (value: Record<string, WorkflowNodeState> | null | undefined) => JSON.stringify(value ?? {}),
  from: (value: string | null): Record<string, WorkflowNodeState> =>
    value ? (JSON.parse(value) as Record<string, WorkflowNodeState>) : {},
};

/**
 * One run of a workflow. `dag` is the definition as it was when the run was created (later edits do not move a
 * running instance); `nodeStates` its per-node snapshot; `version` grows with every transition, which is a
 * conditional UPDATE on it, so two servers never apply two transitions from the same state.
 */
@Entity({ name: 'workflow_instance' })
@Index('idx_wf_instance_app', ['appId', 'workflowId', 'id'])
@Index('idx_wf_instance_status_expected', ['status', 'expectedTriggerTime'])
@Index('idx_wf_instance_workflow_status', ['workflowId', 'status'])
@Index('idx_wf_instance_finished', ['finishedTime'])
@Index('uk_wf_instance_slot', ['workflowId', 'triggerSlot'], { unique: true })
@Index('uk_wf_instance_parent_node', ['parentInstanceId', 'parentNodeId', 'parentAttempt'], { unique: true })
export class WorkflowInstanceEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Column({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ name: 'workflow_id', type: 'int' })
  workflowId!: number;

  @Column({ type: 'varchar', length: 20 })
  status!: WorkflowInstanceStatus;

  @Column({ name: 'status_reason', type: 'varchar', length: 1000, nullable: true })
  statusReason!: string | null;

  @Column({ type: 'mediumtext', transformer: dagColumn })
  dag!: WorkflowDag;

  @Column({ name: 'continue_on_failure', type: 'boolean', default: false })
  continueOnFailure!: boolean;

  @Column({ name: 'node_states', type: 'mediumtext', transformer: nodeStatesColumn })
  nodeStates!: Record<string, WorkflowNodeState>;

  /** The initParams given (a JSON object string), or the parent's context for a nested child. */
  @Column({ name: 'init_params', type: 'mediumtext', nullable: true })
  initParams!: string | null;

  /** The workflow context now: initParams plus the keys of the nodes that succeeded (JSON object string). */
  @Column({ type: 'mediumtext' })
  context!: string;

  /** The results of the last nodes (JSON object: node id -> result), once finished. */
  @Column({ type: 'mediumtext', nullable: true })
  result!: string | null;

  @Column({ type: 'int', default: 0 })
  version!: number;

  /** A timer slot (unique per workflow), or null for an API run or a nested child. */
  @Column({ name: 'trigger_slot', type: 'bigint', nullable: true, transformer: bigintToNumber })
  triggerSlot!: number | null;

  /** WAITING behind a running instance of the workflow (BUFFER_ONE), rather than waiting for its time. */
  @Column({ type: 'boolean', default: false })
  buffered!: boolean;

  @Column({ name: 'expected_trigger_time', type: 'bigint', transformer: bigintToNumber })
  expectedTriggerTime!: number;

  @Column({ name: 'actual_trigger_time', type: 'bigint', nullable: true, transformer: bigintToNumber })
  actualTriggerTime!: number | null;

  @Column({ name: 'finished_time', type: 'bigint', nullable: true, transformer: bigintToNumber })
  finishedTime!: number | null;

  /** When the last transition was written: a node that ended after it has not been seen by a transition yet. */
  @Column({ name: 'status_time', type: 'bigint', transformer: bigintToNumber })
  statusTime!: number;

  /** A nested child: the parent workflow instance, its node and that node's attempt (unique together). */
  @Column({ name: 'parent_instance_id', type: 'bigint', nullable: true, transformer: bigintToNumber })
  parentInstanceId!: number | null;

  @Column({ name: 'parent_node_id', type: 'varchar', length: 64, nullable: true })
  parentNodeId!: string | null;

  @Column({ name: 'parent_attempt', type: 'int', nullable: true })
  parentAttempt!: number | null;

  /** 0 for a top-level instance, parent's + 1 for a nested child. */
  @Column({ type: 'int', default: 0 })
  depth!: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
