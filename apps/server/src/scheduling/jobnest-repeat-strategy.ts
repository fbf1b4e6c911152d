import type { RepeatOptions } from 'bullmq';
import { nextCronFire, nextDailyIntervalFire, parseDailyTimeInterval } from '@jobnest/common';

/** Scheduler patterns that start with this carry a DAILY_TIME_INTERVAL expression instead of a cron pattern. */
export const DAILY_INTERVAL_PATTERN_PREFIX = 'daily-interval:';

function toMillis(value: Date | string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * BullMQ repeat strategy of the trigger queue (set on its Queue and Worker): the next slot strictly after `millis`
 * of a cron pattern (seconds, time zone, L and #) or of a DAILY_TIME_INTERVAL, inside the scheduler's
 * start/end dates (the job's lifecycle). Undefined ends the scheduler.
 */
export function jobnestRepeatStrategy(millis: number, opts: RepeatOptions): number | undefined {
  const pattern = opts.pattern ?? '';
  const tz = opts.tz ?? 'UTC';
  const start = toMillis(opts.startDate);
  const end = toMillis(opts.endDate);
  const after = start !== undefined && start - 1 > millis ? start - 1 : millis;
  const next = pattern.startsWith(DAILY_INTERVAL_PATTERN_PREFIX)
    ? nextDailyIntervalFire(parseDailyTimeInterval(pattern.slice(DAILY_INTERVAL_PATTERN_PREFIX.length)), tz, after)
    : nextCronFire(pattern, tz, after);
  if (next === undefined || (end !== undefined && next > end)) return undefined;
  return next;
}
