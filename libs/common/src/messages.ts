import type { ExecuteType, LogLevel, ReportedInstanceStatus } from './enums';

/** Resource figures a worker sends with each heartbeat. */
export interface WorkerMetrics {
  cpuCores: number;
  /** 1-minute load average divided by cores (0..n). */
  cpuLoad: number;
  memoryTotalMb: number;
  memoryFreeMb: number;
  /** RSS of the worker process. */
  processRssMb: number;
}

/** `heartbeats` stream: worker -> every server (read without a group, each server keeps its own cluster view). */
export interface Heartbeat {
  kind: 'Heartbeat';
  workerId: string;
  appId: number;
  appName: string;
  host: string;
  pid: number;
  tags: string[];
  processors: string[];
  metrics: WorkerMetrics;
  /** Instances this worker tracks right now, and how many it accepts at once. */
  runningInstances: number;
  maxConcurrentInstances: number;
  /** Epoch ms on the worker when sent. */
  time: number;
  /** True in the last heartbeat of a worker that shuts down cleanly: servers forget it at once. */
  shuttingDown: boolean;
  sdkVersion: string;
}

/** `instance-status` stream: TaskTracker -> servers. Final statuses are re-sent until an AckInstanceStatus arrives. */
export interface InstanceStatusReport {
  kind: 'InstanceStatusReport';
  instanceId: number;
  workerId: string;
  /** The run (1 for the first, +1 per retry) this report belongs to: reports of older runs are dropped. */
  runningTimes: number;
  status: ReportedInstanceStatus;
  result: string | null;
  /** Epoch ms on the worker when the status was reached. */
  time: number;
}

export interface LogLine {
  instanceId: number;
  /** Epoch ms. */
  time: number;
  level: LogLevel;
  message: string;
}

/** `logs` stream: one entry carries a batch of lines of one worker. */
export interface LogBatch {
  kind: 'LogBatch';
  workerId: string;
  lines: LogLine[];
}

/** Worker queue `jobnest-worker-<id>`: run an instance as its TaskTracker. */
export interface RunInstanceCommand {
  kind: 'RunInstance';
  instanceId: number;
  jobId: number;
  appId: number;
  processor: string;
  executeType: ExecuteType;
  jobParams: string | null;
  instanceParams: string | null;
  runningTimes: number;
  taskRetries: number;
  concurrency: number;
  /** 0 = no limit. */
  instanceTimeLimitMs: number;
  /** Epoch ms when the server dispatched it. */
  dispatchedAt: number;
}

/** Worker queue: abort an instance (stop, cancel or server-side time limit). */
export interface StopInstanceCommand {
  kind: 'StopInstance';
  instanceId: number;
  reason: string;
}

/** Worker queue: the server stored the final report of this run; stop re-sending it. */
export interface AckInstanceStatusCommand {
  kind: 'AckInstanceStatus';
  instanceId: number;
  runningTimes: number;
}

export type WorkerCommand = RunInstanceCommand | StopInstanceCommand | AckInstanceStatusCommand;
export type StreamMessage = Heartbeat | InstanceStatusReport | LogBatch;
