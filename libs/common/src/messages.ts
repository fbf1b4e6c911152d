import type { DispatchStrategy, ExecuteType, LogLevel, ReportedInstanceStatus } from './enums';
import type { WorkflowRunInfo } from './workflow';

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
  /**
   * Optional protocol features this worker understands (see WORKER_FEATURES); servers and other workers use one
   * only with a worker that announces it. Heartbeats of older workers have none.
   */
  features: string[];
}

/** Names a worker announces in `Heartbeat.features`. */
export const WORKER_FEATURES = {
  /** Takes CommandBatch jobs on its queue. */
  commandBatch: 'command-batch',
  /**
   * Uses the hash-tagged key layout (KeyLayout in @jobnest/transport): reports on its app's streams, takes
   * commands on its queue under `<prefix>:{w:<appId>:<workerId>}`. A worker without it is of an older version.
   */
  appKeys: 'app-keys',
} as const;

/** Progress of a Map / MapReduce / Broadcast instance, counted over its subtasks (the root task included). */
export interface TaskCounts {
  total: number;
  waiting: number;
  running: number;
  succeeded: number;
  failed: number;
}

/**
 * `instance-status` stream: the run's worker (its InstanceTracker) -> servers. Final statuses are re-sent until an AckInstanceStatus arrives,
 * RUNNING until an AckInstanceRunning arrives (or the final status replaces it).
 */
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
  /** Subtask progress (distributed execute types); RUNNING reports are repeated as it changes. */
  tasks?: TaskCounts;
  /** A SUCCEEDED workflow node's additions to the workflow context (`ctx.workflow.set`), as a JSON object string. */
  contextAdditions?: string;
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

/**
 * Worker queue `jobnest-worker-<id>`: run an instance. The worker's InstanceTracker takes it; a Map, MapReduce or
 * Broadcast run gets a TaskTracker there, which spreads its subtasks over the app's workers.
 */
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
  /** Where subtasks may run (the job's filters). */
  placement: {
    dispatchStrategy: DispatchStrategy;
    designatedWorkers: string[];
    minCpuCores: number;
    minMemoryMb: number;
    maxWorkerCount: number;
  };
  /** The server's worker timeout: a worker silent this long is dead for the TaskTracker too. */
  workerTimeoutMs: number;
  /** True when the previous TaskTracker of this run died: continue from the task table instead of starting over. */
  resume: boolean;
  /**
   * Epoch ms before which the processor must not start: timer slots are dispatched a little ahead and started on
   * the dot by the worker's own clock (0 = at once).
   */
  notBefore: number;
  /** Set when the instance is a node of a workflow instance: `ctx.workflow` is built from it. */
  workflow?: WorkflowRunInfo;
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

/**
 * Worker queue: the server applied (or dropped) a RUNNING report of this run; stop re-sending it. A kind of its
 * own, not a field of AckInstanceStatus: a worker that does not know it ignores it instead of taking it for the
 * acknowledgement of its final report.
 */
export interface AckInstanceRunningCommand {
  kind: 'AckInstanceRunning';
  instanceId: number;
  runningTimes: number;
}

/** One subtask as it travels to a ProcessorTracker. */
export interface TaskAssignment {
  taskId: number;
  taskName: string;
  /** JSON of the item given to ctx.map() (null for the root task). */
  payload: string | null;
  /**
   * Dispatch generation: a number the TaskTracker picks per dispatch and that travels back with the task's
   * acknowledgement and result, so a result of an older dispatch of a task sent again is dropped. Not the task's
   * attempt (that is `failures + 1`, ctx.attempt).
   */
  generation: number;
  /** Earlier failed runs of the task (ctx.attempt = failures + 1). */
  failures: number;
  isRoot: boolean;
}

/** TaskTracker -> ProcessorTracker (worker queue): run these subtasks of an instance. */
export interface RunTasksCommand {
  kind: 'RunTasks';
  instanceId: number;
  jobId: number;
  runningTimes: number;
  /** Where acknowledgements and results go. */
  trackerWorkerId: string;
  processor: string;
  executeType: ExecuteType;
  jobParams: string | null;
  instanceParams: string | null;
  taskRetries: number;
  /** Subtasks of this instance run at once on one worker. */
  concurrency: number;
  tasks: TaskAssignment[];
  /**
   * The TaskTracker has stored the results of this worker's TaskResults up to this `seq` (0: none yet): the
   * ProcessorTracker stops keeping them for a takeover.
   */
  resultsStoredThrough?: number;
  /** The workflow the instance is a node of: subtasks read its context (`ctx.workflow.context`). */
  workflow?: WorkflowRunInfo;
}

/** ProcessorTracker -> TaskTracker: these subtasks arrived. */
export interface TasksReceivedCommand {
  kind: 'TasksReceived';
  instanceId: number;
  runningTimes: number;
  workerId: string;
  tasks: { taskId: number; generation: number }[];
}

export interface TaskResult {
  taskId: number;
  /** The dispatch generation the task ran with (TaskAssignment.generation). */
  generation: number;
  success: boolean;
  result: string | null;
}

/** ProcessorTracker -> TaskTracker: a batch of finished subtasks. */
export interface TaskResultsCommand {
  kind: 'TaskResults';
  instanceId: number;
  runningTimes: number;
  workerId: string;
  results: TaskResult[];
  /** Increasing per instance on one worker; acknowledged through RunTasks.resultsStoredThrough once stored (0: none). */
  seq?: number;
}

/** A processor's ctx.map() stored new subtasks (they are in MySQL already): dispatch them. */
export interface SubtasksCreatedCommand {
  kind: 'SubtasksCreated';
  instanceId: number;
  runningTimes: number;
  count: number;
  /**
   * Id of the first new row (0: unknown). Concurrent maps can commit out of id order; when the TaskTracker already
   * read past this id, it reads again from here.
   */
  firstTaskId: number;
}

/**
 * A TaskTracker that took an instance over (its previous one died or shut down) -> every live worker of the app:
 * send me what you hold of this instance, and send its results to me from now on.
 */
export interface AdoptTasksCommand {
  kind: 'AdoptTasks';
  instanceId: number;
  /** The new run: results and replies carry it, so the new TaskTracker takes them. */
  runningTimes: number;
  trackerWorkerId: string;
}

/** A subtask a ProcessorTracker finished whose result its TaskTracker may not have stored. */
export interface HeldResult {
  task: TaskAssignment;
  success: boolean;
  result: string | null;
}

/**
 * ProcessorTracker -> the TaskTracker that sent AdoptTasks: the instance's subtasks running or queued here (their
 * results follow as TaskResults with their own `generation`), and the results not known to be stored. Sent by every
 * worker asked, holding something or not, so the TaskTracker knows when it has heard from all.
 */
export interface TasksHeldCommand {
  kind: 'TasksHeld';
  instanceId: number;
  runningTimes: number;
  workerId: string;
  tasks: TaskAssignment[];
  finished: HeldResult[];
}

/** TaskTracker -> ProcessorTracker: abort the running subtasks of an instance and drop the queued ones. */
export interface StopTasksCommand {
  kind: 'StopTasks';
  instanceId: number;
  reason: string;
}

/**
 * Worker queue: several commands for one worker in one BullMQ job (the sends of one event-loop turn of the sender,
 * in one Redis round trip instead of one job each). The worker handles them in order, as if each had been its own
 * job. Never nested. Sent only to workers that announce `WORKER_FEATURES.commandBatch` in their heartbeats.
 */
export interface CommandBatchCommand {
  kind: 'CommandBatch';
  commands: SingleWorkerCommand[];
}

/** Every command but CommandBatch: what a batch carries. */
export type SingleWorkerCommand =
  | RunInstanceCommand
  | StopInstanceCommand
  | AckInstanceStatusCommand
  | AckInstanceRunningCommand
  | RunTasksCommand
  | TasksReceivedCommand
  | TaskResultsCommand
  | SubtasksCreatedCommand
  | StopTasksCommand
  | AdoptTasksCommand
  | TasksHeldCommand;
export type WorkerCommand = SingleWorkerCommand | CommandBatchCommand;
export type StreamMessage = Heartbeat | InstanceStatusReport | LogBatch;
