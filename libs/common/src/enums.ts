/** Lifecycle of one instance (one run of a job). */
export enum InstanceStatus {
  WAITING_DISPATCH = 'WAITING_DISPATCH',
  WAITING_WORKER_RECEIVE = 'WAITING_WORKER_RECEIVE',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  STOPPED = 'STOPPED',
  CANCELED = 'CANCELED',
}

export const FINAL_INSTANCE_STATUSES: readonly InstanceStatus[] = [
  InstanceStatus.SUCCEEDED,
  InstanceStatus.FAILED,
  InstanceStatus.STOPPED,
  InstanceStatus.CANCELED,
];

export const ACTIVE_INSTANCE_STATUSES: readonly InstanceStatus[] = [
  InstanceStatus.WAITING_DISPATCH,
  InstanceStatus.WAITING_WORKER_RECEIVE,
  InstanceStatus.RUNNING,
];

export function isFinalInstanceStatus(status: InstanceStatus): boolean {
  return FINAL_INSTANCE_STATUSES.includes(status);
}

/** Lifecycle of one subtask of a Map / MapReduce / Broadcast instance. */
export enum TaskStatus {
  WAITING_DISPATCH = 'WAITING_DISPATCH',
  /** Broadcast only: a broadcast subtask is marked when sent, so a dead worker's one fails instead of running twice. */
  DISPATCHED = 'DISPATCHED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

export enum ExecuteType {
  STANDALONE = 'STANDALONE',
  BROADCAST = 'BROADCAST',
  MAP = 'MAP',
  MAP_REDUCE = 'MAP_REDUCE',
}

export enum TimeExpressionType {
  API = 'API',
  CRON = 'CRON',
  FIXED_RATE = 'FIXED_RATE',
  FIXED_DELAY = 'FIXED_DELAY',
  DAILY_TIME_INTERVAL = 'DAILY_TIME_INTERVAL',
  WORKFLOW = 'WORKFLOW',
}

export enum DispatchStrategy {
  HEALTH_FIRST = 'HEALTH_FIRST',
  RANDOM = 'RANDOM',
  SPECIFY = 'SPECIFY',
}

export enum LogLevel {
  DEBUG = 'DEBUG',
  INFO = 'INFO',
  WARN = 'WARN',
  ERROR = 'ERROR',
}

/** Statuses a worker may report for an instance it tracks. */
export type ReportedInstanceStatus =
  InstanceStatus.RUNNING | InstanceStatus.SUCCEEDED | InstanceStatus.FAILED | InstanceStatus.STOPPED;

export function enumValues<T extends Record<string, string>>(e: T): string[] {
  return Object.values(e);
}
