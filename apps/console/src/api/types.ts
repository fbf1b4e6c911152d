/**
 * Wire types of the Jobnest REST API, copied from libs/client/src/types.ts, libs/client/src/workflow-types.ts and
 * the server DTOs so that the console builds on its own. Plus the user/role/audit routes of the console contract.
 */

export type InstanceStatus =
  'WAITING_DISPATCH' | 'WAITING_WORKER_RECEIVE' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'CANCELED';

export const INSTANCE_STATUSES: readonly InstanceStatus[] = [
  'WAITING_DISPATCH',
  'WAITING_WORKER_RECEIVE',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'CANCELED',
];

export const FINAL_INSTANCE_STATUSES: readonly InstanceStatus[] = ['SUCCEEDED', 'FAILED', 'STOPPED', 'CANCELED'];

export type ExecuteType = 'STANDALONE' | 'BROADCAST' | 'MAP' | 'MAP_REDUCE';
export const EXECUTE_TYPES: readonly ExecuteType[] = ['STANDALONE', 'BROADCAST', 'MAP', 'MAP_REDUCE'];

export type TimeExpressionType = 'API' | 'CRON' | 'FIXED_RATE' | 'FIXED_DELAY' | 'DAILY_TIME_INTERVAL' | 'WORKFLOW';
export const TIME_EXPRESSION_TYPES: readonly TimeExpressionType[] = [
  'API',
  'CRON',
  'FIXED_RATE',
  'FIXED_DELAY',
  'DAILY_TIME_INTERVAL',
  'WORKFLOW',
];

export type DispatchStrategy = 'HEALTH_FIRST' | 'RANDOM' | 'SPECIFY';
export const DISPATCH_STRATEGIES: readonly DispatchStrategy[] = ['HEALTH_FIRST', 'RANDOM', 'SPECIFY'];

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Window in which a job may be scheduled (epoch ms; null means unbounded). */
export interface Lifecycle {
  start: number | null;
  end: number | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
}

export interface PageQuery {
  page?: number;
  size?: number;
}

/** Query of GET /jobs: every field narrows the list on the server. */
export interface JobQuery extends PageQuery {
  search?: string;
  enabled?: boolean;
  timeExpressionType?: TimeExpressionType;
  missedSlots?: boolean;
}

/** One worker's share of a distributed instance's subtasks (GET /instances/:id/tasks/by-worker). */
export interface WorkerTaskCounts {
  /** null: tasks no worker took yet. */
  workerId: string | null;
  total: number;
  waiting: number;
  running: number;
  succeeded: number;
  failed: number;
}

/** Body of POST /jobs and PUT /jobs/:id. */
export interface JobInput {
  name: string;
  description?: string;
  processor: string;
  executeType: ExecuteType;
  timeExpressionType: TimeExpressionType;
  timeExpression?: string | null;
  timeZone?: string;
  jobParams?: string | null;
  maxInstances?: number;
  concurrency?: number;
  instanceTimeLimitMs?: number;
  instanceRetries?: number;
  taskRetries?: number;
  dispatchStrategy?: DispatchStrategy;
  designatedWorkers?: string[];
  maxWorkerCount?: number;
  minCpuCores?: number;
  minMemoryMb?: number;
  lifecycle?: Partial<Lifecycle>;
  enabled?: boolean;
}

export interface Job {
  id: number;
  appId: number;
  name: string;
  description: string;
  processor: string;
  executeType: ExecuteType;
  timeExpressionType: TimeExpressionType;
  timeExpression: string | null;
  timeZone: string;
  jobParams: string | null;
  maxInstances: number;
  concurrency: number;
  instanceTimeLimitMs: number;
  instanceRetries: number;
  taskRetries: number;
  dispatchStrategy: DispatchStrategy;
  designatedWorkers: string[];
  maxWorkerCount: number;
  minCpuCores: number;
  minMemoryMb: number;
  lifecycle: Lifecycle;
  enabled: boolean;
  skippedSlots: number;
  misfiredSlots: number;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** Answer of GET /jobs/validate-time. */
export interface TimePreview {
  nextFireTimes: number[];
  nextFireTimesIso: string[];
}

export interface RunJobInput {
  instanceParams?: string;
  delayMs?: number;
}

export interface RunJobResult {
  instanceId: number;
}

export interface TaskCounts {
  total: number;
  waiting: number;
  running: number;
  succeeded: number;
  failed: number;
}

/** One run of a job. Times are epoch ms. */
export interface Instance {
  id: number;
  jobId: number;
  status: InstanceStatus;
  statusReason: string | null;
  result: string | null;
  workerId: string | null;
  runningTimes: number;
  instanceParams: string | null;
  expectedTriggerTime: number;
  actualTriggerTime: number | null;
  finishedTime: number | null;
  tasks: TaskCounts | null;
  takeovers: number;
}

export interface InstanceQuery extends PageQuery {
  jobId?: number;
  status?: InstanceStatus;
  /** Epoch ms (contract: being added to the API). */
  since?: number;
  /** Epoch ms (contract: being added to the API). */
  until?: number;
}

export type TaskStatus = 'WAITING_DISPATCH' | 'DISPATCHED' | 'SUCCEEDED' | 'FAILED';
export const TASK_STATUSES: readonly TaskStatus[] = ['WAITING_DISPATCH', 'DISPATCHED', 'SUCCEEDED', 'FAILED'];

export interface TaskView {
  taskId: number;
  taskName: string;
  parentId: number | null;
  status: TaskStatus;
  workerId: string | null;
  attempt: number;
  failures: number;
  payload: string | null;
  result: string | null;
  createdTime: number;
  updatedTime: number;
}

export interface TaskQuery extends PageQuery {
  status?: TaskStatus;
}

export interface LogLine {
  /** Increasing id; pass the last one read as `after` to continue. */
  id: number;
  /** Epoch ms. */
  time: number;
  level: LogLevel;
  workerId: string;
  message: string;
}

export interface LogPage {
  items: LogLine[];
  nextAfter: number | null;
}

export interface WorkerMetrics {
  cpuCores: number;
  /** One-minute load average per core (1 = every core busy). */
  cpuLoad: number;
  memoryTotalMb: number;
  memoryFreeMb: number;
  processRssMb: number;
}

export interface WorkerView {
  workerId: string;
  host: string;
  pid: number;
  tags: string[];
  processors: string[];
  metrics: WorkerMetrics;
  runningInstances: number;
  maxConcurrentInstances: number;
  features?: string[];
  /** Epoch ms. */
  lastHeartbeat: number;
}

/** Answer of GET /instances/stats. */
export interface InstanceStats {
  buckets: { start: number; counts: Partial<Record<InstanceStatus, number>> }[];
}
