import { concurrencyKeyFromParams, OverlapPolicy } from '@jobnest/common';
import type { FlowLimits } from './admission-book';

/** The job settings flow control reads. */
export interface FlowJobSettings extends FlowLimits {
  overlapPolicy: string;
}

/**
 * Whether the job's instances go through flow control: a concurrency or rate limit, or an overlap policy that
 * buffers slots. Its instances then carry a concurrency key ('' for none) and may be held.
 */
export function isUnderFlowControl(job: FlowJobSettings): boolean {
  return (
    job.concurrencyLimit > 0 ||
    job.rateLimit > 0 ||
    job.overlapPolicy === OverlapPolicy.BUFFER_ONE ||
    job.overlapPolicy === OverlapPolicy.BUFFER_ALL
  );
}

/** The limits of a job's row, as the admission book takes them. */
export function limitsOf(job: FlowLimits): FlowLimits {
  return { concurrencyLimit: job.concurrencyLimit, rateLimit: job.rateLimit, ratePeriodMs: job.ratePeriodMs };
}

/**
 * An instance's concurrency key: the run's own, else the one its params give at the job's path, else ''. Trailing
 * spaces are dropped: MySQL's comparisons ignore them (PAD SPACE), so 'a' and 'a ' must be one key here too.
 */
export function concurrencyKeyOf(
  job: { concurrencyKeyPath: string | null },
  run: { concurrencyKey: string | null; instanceParams: string | null },
): string {
  const key =
    run.concurrencyKey ??
    (job.concurrencyKeyPath === null ? '' : concurrencyKeyFromParams(job.concurrencyKeyPath, run.instanceParams));
  return key.replace(/ +$/, '');
}
