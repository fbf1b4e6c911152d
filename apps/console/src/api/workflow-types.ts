/**
 * Wire types of /workflows and /workflow-instances: those of `@jobnest/client`, imported as types only. The lists
 * of enum values the console offers are kept here, typed with the client's unions.
 */
import type {
  FinalWorkflowInstanceStatus,
  TimeExpressionType,
  WorkflowEdge,
  WorkflowInstanceStatus,
} from '@jobnest/client';

export type {
  FinalWorkflowInstanceStatus,
  RunWorkflowOptions,
  RunWorkflowResult,
  Workflow,
  WorkflowDag,
  WorkflowEdge,
  WorkflowInput,
  WorkflowInstance,
  WorkflowInstanceFilter,
  WorkflowInstanceStatus,
  WorkflowNode,
  WorkflowNodeRun,
  WorkflowNodeStatus,
  WorkflowNodeType,
  WorkflowOverlapPolicy,
} from '@jobnest/client';

/** The branch an edge out of a DECISION node belongs to (the client's `WorkflowEdge['label']`, named). */
export type EdgeLabel = NonNullable<WorkflowEdge['label']>;

export const WORKFLOW_INSTANCE_STATUSES: readonly WorkflowInstanceStatus[] = [
  'WAITING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
];

/** Typed with the wider union so that `includes` takes any status; `satisfies` checks that each one is final. */
export const FINAL_WORKFLOW_INSTANCE_STATUSES: readonly WorkflowInstanceStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
] satisfies FinalWorkflowInstanceStatus[];

/** The time expression types a workflow may have (FIXED_DELAY and WORKFLOW belong to jobs). */
export const WORKFLOW_TIME_TYPES: readonly TimeExpressionType[] = ['API', 'CRON', 'FIXED_RATE', 'DAILY_TIME_INTERVAL'];
