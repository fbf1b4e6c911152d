/**
 * Wire types of the Jobnest REST API: those of the typed client (`@jobnest/client`), imported as types only so that
 * the console and the client cannot drift apart and nothing of the client is bundled. The lists of enum values the
 * console offers in its forms and filters are kept here, typed with the client's unions.
 */
import type {
  DispatchStrategy,
  ExecuteType,
  FinalInstanceStatus,
  InstanceStatus,
  OverlapPolicy,
  TaskStatus,
  TimeExpressionType,
} from '@jobnest/client';

export type {
  OverlapPolicy,
  DispatchStrategy,
  ExecuteType,
  FinalInstanceStatus,
  Instance,
  InstanceFilter,
  InstanceLogLine,
  InstanceStats,
  InstanceStatus,
  Job,
  JobFilter,
  JobInput,
  Lifecycle,
  LogLevel,
  LogPage,
  LogQuery,
  Page,
  PageQuery,
  RunJobOptions,
  RunJobResult,
  TaskCounts,
  TaskQuery,
  TaskStatus,
  TaskView,
  TimeExpressionType,
  TimePreview,
  WorkerMetrics,
  WorkerTaskCounts,
  WorkerView,
} from '@jobnest/client';

export const INSTANCE_STATUSES: readonly InstanceStatus[] = [
  'WAITING_DISPATCH',
  'WAITING_WORKER_RECEIVE',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'CANCELED',
];

/** Typed with the wider union so that `includes` takes any status; `satisfies` checks that each one is final. */
export const FINAL_INSTANCE_STATUSES: readonly InstanceStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'CANCELED',
] satisfies FinalInstanceStatus[];

export const EXECUTE_TYPES: readonly ExecuteType[] = ['STANDALONE', 'BROADCAST', 'MAP', 'MAP_REDUCE'];

export const TIME_EXPRESSION_TYPES: readonly TimeExpressionType[] = [
  'API',
  'CRON',
  'FIXED_RATE',
  'FIXED_DELAY',
  'DAILY_TIME_INTERVAL',
  'WORKFLOW',
];

export const DISPATCH_STRATEGIES: readonly DispatchStrategy[] = ['HEALTH_FIRST', 'RANDOM', 'SPECIFY'];
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'ALLOW_ALL',
];

export const TASK_STATUSES: readonly TaskStatus[] = ['WAITING_DISPATCH', 'DISPATCHED', 'SUCCEEDED', 'FAILED'];
