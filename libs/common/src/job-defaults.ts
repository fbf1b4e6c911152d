import { DispatchStrategy } from './enums';
import { OverlapPolicy } from './flow-control';

/**
 * What a job gets for each setting its definition leaves out: the API documents these, the server fills them in,
 * and the job_info columns default to them.
 */
export const JOB_DEFAULTS = {
  description: '',
  timeZone: 'UTC',
  maxInstances: 0,
  concurrency: 5,
  instanceTimeLimitMs: 0,
  instanceRetries: 0,
  taskRetries: 0,
  dispatchStrategy: DispatchStrategy.HEALTH_FIRST,
  maxWorkerCount: 0,
  minCpuCores: 0,
  minMemoryMb: 0,
  enabled: true,
  concurrencyKeyPath: null,
  concurrencyLimit: 0,
  rateLimit: 0,
  ratePeriodMs: 1000,
  priority: 0,
  overlapPolicy: OverlapPolicy.SKIP,
  overlapBufferLimit: 100,
} as const;
