/**
 * The workflow model shared by the server, the worker SDK and the client: a DAG of nodes (jobs, CEL decisions,
 * nested workflows) and the statuses a run of it goes through.
 */

/** Lifecycle of one workflow instance (one run of a workflow). */
export enum WorkflowInstanceStatus {
  /** Created and not started yet: a run with delayMs, or a slot buffered behind a running instance (BUFFER_ONE). */
  WAITING = 'WAITING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  STOPPED = 'STOPPED',
}

export const FINAL_WORKFLOW_STATUSES: readonly WorkflowInstanceStatus[] = [
  WorkflowInstanceStatus.SUCCEEDED,
  WorkflowInstanceStatus.FAILED,
  WorkflowInstanceStatus.STOPPED,
];

export function isFinalWorkflowStatus(status: WorkflowInstanceStatus): boolean {
  return FINAL_WORKFLOW_STATUSES.includes(status);
}

export enum WorkflowNodeType {
  /** Runs a job of the same app as a job instance. */
  JOB = 'JOB',
  /** Evaluates a CEL expression over the context; its out-edges are labelled `true` or `false`. */
  DECISION = 'DECISION',
  /** Runs another workflow of the same app as a child workflow instance. */
  NESTED_WORKFLOW = 'NESTED_WORKFLOW',
}

/** Status of one node in one workflow instance. */
export enum WorkflowNodeStatus {
  WAITING = 'WAITING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  STOPPED = 'STOPPED',
  /** Not run: reachable only through untaken decision edges or failed predecessors, or the workflow ended first. */
  CANCELED = 'CANCELED',
  /** A disabled node: not run, counts as succeeded. */
  SKIPPED = 'SKIPPED',
}

/** What a slot does when it comes while the workflow still has unfinished instances. */
export enum WorkflowOverlapPolicy {
  /** The slot is skipped and counted (as for jobs). */
  SKIP = 'SKIP',
  /** One instance waits and starts when the running ones end; further slots are skipped. */
  BUFFER_ONE = 'BUFFER_ONE',
  /** Every slot's instance waits, in order, up to the workflow's `overlapBufferLimit`; later slots are skipped. */
  BUFFER_ALL = 'BUFFER_ALL',
  /** The unfinished instances are stopped and the slot's instance starts. */
  CANCEL_OTHER = 'CANCEL_OTHER',
  /** The slot starts a new instance beside the running ones (up to maxInstances when set). */
  ALLOW_ALL = 'ALLOW_ALL',
}

/** One node of a workflow's DAG. Fields that do not belong to the node's type are refused. */
export interface WorkflowNodeDefinition {
  /** Unique within the DAG: 1-64 letters, digits, `_` or `-`. */
  id: string;
  type: WorkflowNodeType;
  /** Shown in the API and console. (Default: the id) */
  name?: string;
  /** false: the node is not run and counts as succeeded. (Default: true) */
  enabled?: boolean;
  /** true: a failure of this node does not stop its successors nor fail the workflow. (Default: false) */
  skipWhenFailed?: boolean;
  /** JOB: the job to run (same app). */
  jobId?: number;
  /** JOB: replaces the job's jobParams for this node. (Default: the job's) */
  params?: string;
  /** JOB: replaces the job's instanceRetries for this node. (Default: the job's) */
  instanceRetries?: number;
  /** JOB: replaces the job's instanceTimeLimitMs for this node, 0 = none. (Default: the job's) */
  instanceTimeLimitMs?: number;
  /** DECISION: a CEL expression over `context` that yields a bool. */
  expression?: string;
  /** NESTED_WORKFLOW: the workflow to run as a child (same app). */
  workflowId?: number;
}

/** An edge `from` -> `to`. Edges out of a DECISION node carry the label of the branch they belong to. */
export interface WorkflowEdgeDefinition {
  from: string;
  to: string;
  label?: 'true' | 'false';
}

export interface WorkflowDag {
  nodes: WorkflowNodeDefinition[];
  edges: WorkflowEdgeDefinition[];
}

/** The JSON object a workflow instance's nodes read (`ctx.workflow.context`) and add keys to. */
export type WorkflowContext = Record<string, unknown>;

/** What a JOB node's RunInstance carries: where the run belongs and the context it starts with. */
export interface WorkflowRunInfo {
  workflowInstanceId: number;
  nodeId: string;
  /** The context as a JSON object string. */
  context: string;
  /** Largest JSON size of the keys a node may add, in bytes. */
  maxAdditionsBytes: number;
}
