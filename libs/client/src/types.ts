/**
 * Wire types of the Jobnest REST API (`/api/v1`).
 *
 * Enums are plain string-literal unions so that this package does not depend on any
 * other `@jobnest/*` package; the values match the server's enums one to one.
 */

/** Lifecycle of one instance (one run of a job). */
export type InstanceStatus =
  'WAITING_DISPATCH' | 'WAITING_WORKER_RECEIVE' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'CANCELED';

/** Statuses an instance never leaves (unless it is retried, which creates a new run). */
export type FinalInstanceStatus = 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'CANCELED';

/** How one instance is spread over workers. */
export type ExecuteType = 'STANDALONE' | 'BROADCAST' | 'MAP' | 'MAP_REDUCE';

/** How `timeExpression` is read. `API` jobs only run when triggered through the API. */
export type TimeExpressionType = 'API' | 'CRON' | 'FIXED_RATE' | 'FIXED_DELAY' | 'DAILY_TIME_INTERVAL' | 'WORKFLOW';

/** How the server picks workers for an instance. */
export type DispatchStrategy = 'HEALTH_FIRST' | 'RANDOM' | 'SPECIFY';

/** Level of one instance log line. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Body of `GET /health`. */
export interface HealthStatus {
  status: 'ok' | 'error';
  mysql: 'up' | 'down';
  redis: 'up' | 'down';
}

/** An app (tenant), as returned by `POST /api/v1/apps`. */
export interface App {
  id: number;
  name: string;
}

/** A bearer token, as returned by `POST /api/v1/auth/token`. */
export interface AccessToken {
  accessToken: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

/** Window in which a job may be scheduled (epoch milliseconds; `null` means unbounded). */
export interface Lifecycle {
  start: number | null;
  end: number | null;
}

/** Fields accepted when creating or updating a job. Omitted optional fields take the server defaults. */
export interface JobInput {
  name: string;
  description?: string;
  /** Name of the processor registered on the workers. */
  processor: string;
  executeType: ExecuteType;
  timeExpressionType: TimeExpressionType;
  timeExpression?: string | null;
  /** IANA time zone used by CRON and DAILY_TIME_INTERVAL expressions. */
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
  /**
   * Where an instance's concurrency key is in its `instanceParams` JSON object, field names joined by dots, e.g.
   * `customer.id` (a run's own `concurrencyKey` wins; params without a string or number there give the key '')
   * (Default: null, no path).
   */
  concurrencyKeyPath?: string | null;
  /** Instances started at once per concurrency key; the others wait in WAITING_DISPATCH (Default: 0, no limit). */
  concurrencyLimit?: number;
  /** Starts per `ratePeriodMs` per concurrency key, a sliding window; the others wait (Default: 0, no limit). */
  rateLimit?: number;
  /** The rate limit's window, 100 to 86,400,000 ms (Default: 1000). */
  ratePeriodMs?: number;
  /** Priority of runs that give none; among waiting instances higher starts first (Default: 0). */
  priority?: number;
  /** What a timer slot does while an earlier instance is unfinished (Default: 'SKIP'). */
  overlapPolicy?: OverlapPolicy;
  /** Most slots BUFFER_ALL keeps waiting, 1 to 10,000 (Default: 100). */
  overlapBufferLimit?: number;
}

/** What a timer slot does while an earlier instance of its job is unfinished. */
export type OverlapPolicy = 'SKIP' | 'BUFFER_ONE' | 'BUFFER_ALL' | 'CANCEL_OTHER' | 'ALLOW_ALL';

/** What holds a waiting instance back: its concurrency key, the rate limit, or the overlap buffer. */
export type HoldReason = 'CONCURRENCY' | 'RATE_LIMIT' | 'OVERLAP';

/** A stored job: every {@link JobInput} field filled in, plus server-managed fields. */
export interface Job extends Required<Omit<JobInput, 'lifecycle'>> {
  id: number;
  appId: number;
  lifecycle: Lifecycle;
  /** Timer slots skipped because the previous instance still waited for a worker or maxInstances was reached. */
  skippedSlots: number;
  /** Timer slots missed while no server could fire them (older than the misfire threshold). */
  misfiredSlots: number;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** ISO 8601 timestamp. */
  updatedAt: string;
}

/** One run of a job. Times are epoch milliseconds. */
export interface Instance {
  id: number;
  jobId: number;
  /** The job's name; null once the job is deleted. */
  jobName: string | null;
  status: InstanceStatus;
  statusReason: string | null;
  result: string | null;
  workerId: string | null;
  runningTimes: number;
  instanceParams: string | null;
  expectedTriggerTime: number;
  actualTriggerTime: number | null;
  finishedTime: number | null;
  /** Subtask progress of Map / MapReduce / Broadcast instances (the root task included); null otherwise. */
  tasks: TaskCounts | null;
  /** Times another worker took the instance over from a TaskTracker that died. */
  takeovers: number;
  /** The idempotency key the run was created with (null: none). */
  idempotencyKey: string | null;
  /** The concurrency key of an instance of a job under flow control ('' when it has none); null otherwise. */
  concurrencyKey: string | null;
  priority: number;
  /** What holds this waiting instance back (its `statusReason` says how); null: nothing. */
  heldBy: HoldReason | null;
}

export interface TaskCounts {
  total: number;
  waiting: number;
  running: number;
  succeeded: number;
  failed: number;
}

export type TaskStatus = 'WAITING_DISPATCH' | 'DISPATCHED' | 'SUCCEEDED' | 'FAILED';

/** One row of an instance's task table. */
export interface TaskView {
  taskId: number;
  taskName: string;
  parentId: number | null;
  status: TaskStatus;
  workerId: string | null;
  /** Dispatches so far. */
  attempt: number;
  /** Failed runs so far. */
  failures: number;
  /** JSON of the mapped item (first 1000 characters). */
  payload: string | null;
  result: string | null;
  createdTime: number;
  updatedTime: number;
}

export interface TaskQuery {
  status?: TaskStatus;
  page?: number;
  size?: number;
}

/** Resource usage a worker reports with its heartbeat. */
export interface WorkerMetrics {
  cpuCores: number;
  /** One-minute load average per core (1 = every core busy). */
  cpuLoad: number;
  memoryTotalMb: number;
  memoryFreeMb: number;
  /** RSS of the worker process. */
  processRssMb: number;
}

/** A live worker of the app, as seen by the server. */
export interface WorkerView {
  workerId: string;
  host: string;
  pid: number;
  tags: string[];
  processors: string[];
  metrics: WorkerMetrics;
  runningInstances: number;
  maxConcurrentInstances: number;
  /** Optional protocol features the worker announced, e.g. `command-batch` (empty for an older worker). */
  features: string[];
  /** Epoch milliseconds. */
  lastHeartbeat: number;
}

/** One page of a list endpoint. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
}

/** Paging of list endpoints; omitted fields take the server defaults. */
export interface PageQuery {
  /** Page number (Default: server default). */
  page?: number;
  /** Page size (Default: server default). */
  size?: number;
}

/** Filter of {@link JobnestClient.listJobs}; omitted fields do not narrow. */
export interface JobFilter extends PageQuery {
  /** Only jobs whose name contains this text, in any case (Default: any name). */
  search?: string;
  /** Only enabled (true) or disabled (false) jobs (Default: both). */
  enabled?: boolean;
  /** Only jobs of this time type (Default: any). */
  timeExpressionType?: TimeExpressionType;
  /** Only jobs of this execute type (Default: any). */
  executeType?: ExecuteType;
  /** true: only jobs with skipped or misfired timer slots (Default: all jobs). */
  missedSlots?: boolean;
}

/** Subtask counts of one worker in a distributed instance. */
export interface WorkerTaskCounts extends TaskCounts {
  /** null: tasks no worker took yet. */
  workerId: string | null;
}

/** Filter of {@link JobnestClient.listInstances}. */
export interface InstanceFilter extends PageQuery {
  /** Only instances of this job (Default: all jobs). */
  jobId?: number;
  /** Only instances in this status (Default: any status). */
  status?: InstanceStatus;
  /** Only instances due at or after this epoch ms (Default: no bound). */
  since?: number;
  /** Only instances due before this epoch ms (Default: no bound). */
  until?: number;
}

/** Options of {@link JobnestClient.runJob}. */
export interface RunJobOptions {
  /** Parameters handed to this instance only (Default: none). */
  instanceParams?: string;
  /** Delay before the instance is dispatched, in milliseconds (Default: 0). */
  delayMs?: number;
  /**
   * While this key lives, another run of the job with the same key creates nothing and answers this run's
   * instance, on any server (1 to 255 characters; Default: none).
   */
  idempotencyKey?: string;
  /** How long the idempotency key lives, in ms, 1,000 to 30 days (Default: 86,400,000, 24 hours). */
  idempotencyTtlMs?: number;
  /** This run's concurrency key, 1 to 255 characters (Default: the one at the job's `concurrencyKeyPath`). */
  concurrencyKey?: string;
  /** Among instances waiting for the same capacity or for a worker, higher starts first (Default: the job's). */
  priority?: number;
}

/** Body of `POST /api/v1/jobs/:id/run`. */
export interface RunJobResult {
  instanceId: number;
  /** false: the run's idempotency key answered an instance created before (HTTP 200 instead of 201). */
  created: boolean;
}

/** Most runs one `POST /api/v1/jobs/:id/runs` request may ask for. */
export const MAX_BULK_RUNS = 1000;

/** Body of `POST /api/v1/jobs/:id/runs`: the new instances' ids, in the order of the runs asked for. */
export interface RunJobBulkResult {
  /** New instances, or the live instance a run's idempotency key answers. */
  instanceIds: number[];
  /** For each run, whether it created its instance. */
  created: boolean[];
}

/** One log line of an instance. */
export interface InstanceLogLine {
  /** Increasing id; pass the last one read as `after` to continue. */
  id: number;
  /** Epoch milliseconds. */
  time: number;
  level: LogLevel;
  workerId: string;
  message: string;
}

/** Query of {@link JobnestClient.getInstanceLogs}. */
export interface LogQuery {
  /** Id of the last line already read; only later lines are returned (Default: from the first line). */
  after?: number;
  /**
   * Read backwards: the last `limit` lines with an id below this, oldest first; `Number.MAX_SAFE_INTEGER` gives the
   * newest lines. Not with `after` (Default: none).
   */
  before?: number;
  /** Maximum number of lines (Default: server default). */
  limit?: number;
}

/** One page of instance logs. */
export interface LogPage {
  items: InstanceLogLine[];
  /** Value to pass as `after` for the next page, or `null` when this page is empty. */
  nextAfter: number | null;
}

/** Answer of `GET /api/v1/jobs/validate-time`. */
export interface TimePreview {
  /** Next fire times, epoch ms (empty for API and WORKFLOW). */
  nextFireTimes: number[];
  nextFireTimesIso: string[];
}
