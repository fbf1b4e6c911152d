/**
 * Wire types of the workflow routes (`/api/v1/workflows`, `/api/v1/workflow-instances`), as plain unions like
 * the rest of types.ts; the values match the server's enums one to one.
 */
import type { Lifecycle, TimeExpressionType } from './types';

/** Lifecycle of one workflow instance. */
export type WorkflowInstanceStatus = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

/** Statuses a workflow instance never leaves (unless retried). */
export type FinalWorkflowInstanceStatus = 'SUCCEEDED' | 'FAILED' | 'STOPPED';

export type WorkflowNodeType = 'JOB' | 'DECISION' | 'NESTED_WORKFLOW';

/** Status of one node in one workflow instance. SKIPPED: a disabled node, counted as succeeded. */
export type WorkflowNodeStatus = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'CANCELED' | 'SKIPPED';

/** What a slot does while the workflow still has unfinished instances. */
export type WorkflowOverlapPolicy = 'SKIP' | 'BUFFER_ONE' | 'BUFFER_ALL' | 'CANCEL_OTHER' | 'ALLOW_ALL';

/** One node of a DAG. Fields of another node type are refused (400). */
export interface WorkflowNode {
  /** Unique in the DAG: 1-64 letters, digits, `_` or `-`. */
  id: string;
  type: WorkflowNodeType;
  /** Display name (Default: the id). */
  name?: string;
  /** false: not run, counts as succeeded (Default: true). */
  enabled?: boolean;
  /** true: a failure does not stop its successors nor fail the workflow (Default: false). */
  skipWhenFailed?: boolean;
  /** JOB: a job of the same app. */
  jobId?: number;
  /** JOB: replaces the job's jobParams (Default: the job's). */
  params?: string;
  /** JOB: replaces the job's instanceRetries (Default: the job's). */
  instanceRetries?: number;
  /** JOB: replaces the job's instanceTimeLimitMs, 0 = none (Default: the job's). */
  instanceTimeLimitMs?: number;
  /** DECISION: a CEL expression over `context` yielding a bool, e.g. `context.amount > 100`. */
  expression?: string;
  /** NESTED_WORKFLOW: a workflow of the same app, run as a child instance. */
  workflowId?: number;
}

/** An edge; edges out of a DECISION node carry the branch they belong to. */
export interface WorkflowEdge {
  from: string;
  to: string;
  label?: 'true' | 'false';
}

export interface WorkflowDag {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

/** Fields accepted when creating or replacing a workflow. Omitted optional fields take the server defaults. */
export interface WorkflowInput {
  name: string;
  /** (Default: '') */
  description?: string;
  dag: WorkflowDag;
  /** API, CRON, FIXED_RATE or DAILY_TIME_INTERVAL. */
  timeExpressionType: TimeExpressionType;
  timeExpression?: string | null;
  /** IANA zone (Default: UTC). */
  timeZone?: string;
  lifecycle?: Partial<Lifecycle>;
  /** (Default: true) */
  enabled?: boolean;
  /** Unfinished instances at once; 0 = no limit; API runs beyond it answer 409 (Default: 0). */
  maxInstances?: number;
  /** What a timer slot does while an instance is unfinished, as for jobs (Default: SKIP). */
  overlapPolicy?: WorkflowOverlapPolicy;
  /** Most slots BUFFER_ALL keeps waiting, 1 to 10,000 (Default: 100). */
  overlapBufferLimit?: number;
  /** A failed node lets independent branches finish; the workflow still ends FAILED (Default: false). */
  continueOnFailure?: boolean;
}

/** A workflow as the server stores it. */
export interface Workflow {
  id: number;
  appId: number;
  name: string;
  description: string;
  dag: WorkflowDag;
  timeExpressionType: TimeExpressionType;
  timeExpression: string | null;
  timeZone: string;
  lifecycle: Lifecycle;
  enabled: boolean;
  maxInstances: number;
  overlapPolicy: WorkflowOverlapPolicy;
  overlapBufferLimit: number;
  continueOnFailure: boolean;
  skippedSlots: number;
  misfiredSlots: number;
  createdAt: string;
  updatedAt: string;
}

/** Options of {@link JobnestClient.runWorkflow}. */
export interface RunWorkflowOptions {
  /** A JSON object as a string: the context the workflow starts with (Default: {}). */
  initParams?: string;
  /** Start this many ms from now (Default: 0). */
  delayMs?: number;
}

export interface RunWorkflowResult {
  workflowInstanceId: number;
}

/** One node of a workflow instance and where it stands in that run. */
export interface WorkflowNodeRun {
  id: string;
  name: string;
  type: WorkflowNodeType;
  status: WorkflowNodeStatus;
  /** 1, +1 each time the instance is retried from this node. */
  attempt: number;
  /** JOB: the job instance of the current attempt (its logs: getInstanceLogs). */
  instanceId: number | null;
  /** NESTED_WORKFLOW: the child workflow instance. */
  childInstanceId: number | null;
  jobId: number | null;
  workflowId: number | null;
  result: string | null;
  reason: string | null;
  /** DECISION: the outcome. */
  decision: boolean | null;
  markedSucceeded: boolean;
  startTime: number | null;
  endTime: number | null;
}

/** A workflow instance with its DAG snapshot. */
export interface WorkflowInstance {
  id: number;
  appId: number;
  workflowId: number;
  status: WorkflowInstanceStatus;
  statusReason: string | null;
  /** JSON object: last node id -> its result. */
  result: string | null;
  initParams: string | null;
  /** The workflow context now. */
  context: Record<string, unknown>;
  nodes: WorkflowNodeRun[];
  edges: WorkflowEdge[];
  triggerSlot: number | null;
  expectedTriggerTime: number;
  actualTriggerTime: number | null;
  finishedTime: number | null;
  parentInstanceId: number | null;
  parentNodeId: string | null;
  createdAt: string;
}

/** Filter of {@link JobnestClient.listWorkflowInstances}. */
export interface WorkflowInstanceFilter {
  workflowId?: number;
  status?: WorkflowInstanceStatus;
  page?: number;
  size?: number;
}
