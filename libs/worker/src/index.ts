export { JobnestWorkerModule } from './jobnest-worker.module';
export { JobnestWorkerService } from './jobnest-worker.service';
export { JobProcessor } from './processor/job-processor.decorator';
export type {
  BasicProcessor,
  BroadcastProcessor,
  MapProcessor,
  MapReduceProcessor,
  ProcessResult,
  TaskContext,
  TaskLogger,
  TaskResultEntry,
  TaskResultSet,
} from './processor/processor.interfaces';
export type {
  JobnestWorkerAsyncOptions,
  JobnestWorkerOptions,
  ResolvedWorkerOptions,
} from './options/jobnest-worker-options';
export { resolveWorkerOptions, defaultWorkerId, WORKER_OPTION_DEFAULTS } from './options/resolve-worker-options';
export {
  DatabaseNotReadyError,
  DuplicateProcessorError,
  InvalidCredentialsError,
  InvalidProcessorError,
  ServiceUnreachableError,
} from './errors';
export type { WorkflowHandle } from './execution/workflow-handle';
export { WorkflowContextError } from './execution/workflow-handle';
export { JOB_PROCESSOR_METADATA, ROOT_TASK_ID, ROOT_TASK_NAME } from './constants';
// Re-exported so a host app needs no direct dependency on @jobnest/common.
export { ConfigError, JobnestError, LogLevel, ExecuteType } from '@jobnest/common';
/** WORKER_ID_PATTERN checks a worker id; readRedisTarget reads JOBNEST_REDIS_URL / JOBNEST_REDIS_CLUSTER_NODES for a host app. */
export { readRedisTarget, WORKER_ID_PATTERN } from '@jobnest/transport';
