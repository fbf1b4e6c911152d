/** Wire types of /workflows and /workflow-instances, copied from libs/client/src/workflow-types.ts. */
import type { Lifecycle, TimeExpressionType } from './types';

export type WorkflowInstanceStatus = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';
export const WORKFLOW_INSTANCE_STATUSES: readonly WorkflowInstanceStatus[] = [
  'WAITING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
];
export const FINAL_WORKFLOW_INSTANCE_STATUSES: readonly WorkflowInstanceStatus[] = ['SUCCEEDED', 'FAILED', 'STOPPED'];

export type WorkflowNodeType = 'JOB' | 'DECISION' | 'NESTED_WORKFLOW';

export type WorkflowNodeStatus = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'CANCELED' | 'SKIPPED';

export type WorkflowOverlapPolicy = 'SKIP' | 'BUFFER_ONE' | 'ALLOW_ALL';
export const OVERLAP_POLICIES: readonly WorkflowOverlapPolicy[] = ['SKIP', 'BUFFER_ONE', 'ALLOW_ALL'];

/** The time expression types a workflow may have (FIXED_DELAY and WORKFLOW belong to jobs). */
export const WORKFLOW_TIME_TYPES: readonly TimeExpressionType[] = ['API', 'CRON', 'FIXED_RATE', 'DAILY_TIME_INTERVAL'];

export interface WorkflowNode {
  /** Unique in the DAG: 1-64 letters, digits, `_` or `-`. */
  id: string;
  type: WorkflowNodeType;
  name?: string;
  enabled?: boolean;
  skipWhenFailed?: boolean;
  /** JOB only. */
  jobId?: number;
  params?: string;
  instanceRetries?: number;
  instanceTimeLimitMs?: number;
  /** DECISION only: CEL over `context`. */
  expression?: string;
  /** NESTED_WORKFLOW only. */
  workflowId?: number;
}

export type EdgeLabel = 'true' | 'false';

export interface WorkflowEdge {
  from: string;
  to: string;
  label?: EdgeLabel;
}

export interface WorkflowDag {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

export interface WorkflowInput {
  name: string;
  description?: string;
  dag: WorkflowDag;
  timeExpressionType: TimeExpressionType;
  timeExpression?: string | null;
  timeZone?: string;
  lifecycle?: Partial<Lifecycle>;
  enabled?: boolean;
  maxInstances?: number;
  overlapPolicy?: WorkflowOverlapPolicy;
  continueOnFailure?: boolean;
}

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
  continueOnFailure: boolean;
  skippedSlots: number;
  misfiredSlots: number;
  createdAt: string;
  updatedAt: string;
}

export interface RunWorkflowInput {
  /** A JSON object as a string. */
  initParams?: string;
  delayMs?: number;
}

export interface RunWorkflowResult {
  workflowInstanceId: number;
}

export interface WorkflowNodeRun {
  id: string;
  name: string;
  type: WorkflowNodeType;
  status: WorkflowNodeStatus;
  attempt: number;
  instanceId: number | null;
  childInstanceId: number | null;
  jobId: number | null;
  workflowId: number | null;
  result: string | null;
  reason: string | null;
  decision: boolean | null;
  markedSucceeded: boolean;
  startTime: number | null;
  endTime: number | null;
}

export interface WorkflowInstance {
  id: number;
  appId: number;
  workflowId: number;
  status: WorkflowInstanceStatus;
  statusReason: string | null;
  result: string | null;
  initParams: string | null;
  context: Record<string, unknown>;
  nodes: WorkflowNodeRun[];
  edges: WorkflowEdge[];
  triggerSlot: number | null;
  expectedTriggerTime: number;
  actualTriggerTime: number | null;
  finishedTime: number | null;
  parentInstanceId: number | null;
  parentNodeId: string | null;
  /** ISO 8601. */
  createdAt: string;
}

export interface WorkflowInstanceQuery {
  workflowId?: number;
  status?: WorkflowInstanceStatus;
  page?: number;
  size?: number;
}
