import { concurrencyKeyFromParams, HoldReason, OverlapPolicy } from '@jobnest/common';
import { type FlowLimits, quoteKey } from './admission-book';

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

/** The flow columns and status reason of a new instance that is not decided at its insert. */
export interface UndecidedFlow {
  key: string;
  heldBy: HoldReason | null;
  admittedTime: number | null;
  reason: string | null;
}

/**
 * The flow columns of a workflow node's instance of `job` (undefined: the job is not under flow control). The
 * advancer holds no job lock, so a node is not decided where it is launched: under a concurrency or rate limit it is
 * inserted held, with a reason naming its key, and the FlowGate lets it through in its turn; under an overlap policy
 * alone (which concerns timer slots) it starts at once and counts as running.
 */
export function workflowNodeFlow(
  job: FlowJobSettings & { concurrencyKeyPath: string | null },
  instanceParams: string | null,
  now: number,
): UndecidedFlow | undefined {
  if (!isUnderFlowControl(job)) return undefined;
  const key = concurrencyKeyOf(job, { concurrencyKey: null, instanceParams });
  if (job.concurrencyLimit === 0 && job.rateLimit === 0) return { key, heldBy: null, admittedTime: now, reason: null };
  const limits = [
    ...(job.concurrencyLimit > 0 ? [`concurrency limit ${job.concurrencyLimit}`] : []),
    ...(job.rateLimit > 0 ? [`rate limit ${job.rateLimit} per ${job.ratePeriodMs} ms`] : []),
  ];
  return {
    key,
    heldBy: job.concurrencyLimit > 0 ? HoldReason.CONCURRENCY : HoldReason.RATE_LIMIT,
    admittedTime: null,
    reason: `workflow node waiting for its turn under concurrency key ${quoteKey(key)} (${limits.join(', ')})`,
  };
}
