import type { WorkflowHandle } from '../execution/workflow-handle';

/** Log lines of a task: shipped to the server (online log of the instance) and echoed to the Nest logger at debug. */
export interface TaskLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Everything a processor knows about the task it runs. */
export interface TaskContext {
  jobId: number;
  instanceId: number;
  /** `'0'` for the root task of a STANDALONE instance; the task row's id in Map / MapReduce / Broadcast. */
  taskId: string;
  /** `'ROOT_TASK'` for the root task; the name given to ctx.map() for a subtask. */
  taskName: string;
  /** The item this subtask was mapped from (as given to ctx.map(), through JSON); null for the root task. */
  subtask: unknown;
  /** Parameters saved with the job. */
  jobParams: string | null;
  /** Parameters of this instance (given when it was run through the API). */
  instanceParams: string | null;
  /** 1-based attempt of this task in this run (the task runs at most 1 + taskRetries times). */
  attempt: number;
  /** How many times a failed task is retried in this run. */
  taskRetries: number;
  /** Run number of the instance: 1 for the first run, +1 for each instance retry. */
  runningTimes: number;
  /** Id of the worker running the task. */
  workerId: string;
  logger: TaskLogger;
  /**
   * Aborted when the instance is stopped, exceeds its time limit or the worker shuts down; `signal.reason` is an
   * Error saying why. The worker reports the outcome at once and ignores a late result.
   */
  signal: AbortSignal;
  /**
   * The workflow instance this run is a node of: its context (read-only) and set() to add keys for later nodes.
   * Undefined when the instance does not belong to a workflow.
   */
  workflow: WorkflowHandle | undefined;
  /** True for the root task (the one a Map / MapReduce instance starts with, and every STANDALONE run). */
  isRootTask(): boolean;
  /**
   * Creates subtasks (MAP and MAP_REDUCE jobs only): each item (any JSON-serialisable value) becomes a task named
   * `taskName` that runs this processor's process() with `ctx.subtask` set to the item, on any eligible worker.
   * Callable many times, from the root task and from subtasks (multi-level map). Large arrays are stored in
   * batches; resolves once every subtask is durably stored. Always await it before returning from process().
   * A task re-run after a crash that maps the same items again creates no duplicates.
   */
  map(items: unknown[], taskName: string): Promise<void>;
}

/** Outcome of one attempt. `result` is stored with the instance (truncated to 64 KB). */
export interface ProcessResult {
  success: boolean;
  result?: string;
}

/** A processor that runs a task as a whole. Thrown errors fail the attempt, their message becomes the result. */
export interface BasicProcessor {
  process(ctx: TaskContext): Promise<ProcessResult>;
}

/** The outcome of one task, as the reduce / postProcess step sees it. */
export interface TaskResultEntry {
  taskId: string;
  taskName: string;
  success: boolean;
  result: string | null;
}

/**
 * The results of every subtask of an instance (the root task excluded), read from MySQL page by page as you
 * iterate, so a million results never sit in memory at once. `toArray()` collects them when you know they fit.
 */
export interface TaskResultSet extends AsyncIterable<TaskResultEntry> {
  toArray(): Promise<TaskResultEntry[]>;
}

/**
 * MAP: the root task's process() calls ctx.map(); every subtask runs process() too. The instance succeeds when no
 * task failed; its result summarises the task counts.
 */
export type MapProcessor = BasicProcessor;

/** MAP_REDUCE: as MapProcessor, then reduce() runs exactly once on the TaskTracker after every task finished. */
export interface MapReduceProcessor extends BasicProcessor {
  /** Its result is the instance's status and result. Failed subtasks are in `results` with success false. */
  reduce(ctx: TaskContext, results: TaskResultSet): Promise<ProcessResult>;
}

/** BROADCAST: process() runs once on every eligible worker. */
export interface BroadcastProcessor extends BasicProcessor {
  /** Once, on the TaskTracker's worker, before the broadcast; a failure fails the instance. */
  preProcess?(ctx: TaskContext): Promise<ProcessResult>;
  /** Once at the end, with one result per worker. Without it the instance succeeds when no worker failed. */
  postProcess?(ctx: TaskContext, results: TaskResultSet): Promise<ProcessResult>;
}
