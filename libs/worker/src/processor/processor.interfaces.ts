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
  /** `'0'` for the root task. */
  taskId: string;
  /** `'ROOT_TASK'` for the root task. */
  taskName: string;
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
