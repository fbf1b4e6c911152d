import type { RepeatOptions } from 'bullmq';
import { nextCronFire, nextDailyIntervalFire, parseDailyTimeInterval } from '@jobnest/common';

/** Scheduler patterns that start with this carry a DAILY_TIME_INTERVAL expression instead of a cron pattern. */
export const DAILY_INTERVAL_PATTERN_PREFIX = 'daily-interval:';
/** Scheduler patterns `fixed-rate:<ms>`: slots on a grid of that period (epoch multiples). */
export const FIXED_RATE_PATTERN_PREFIX = 'fixed-rate:';

/**
 * How long before its slot a trigger is due. Redis serves blocked clients on its own clock tick (`hz` 10: every
 * 100 ms), so a BullMQ delayed job starts up to ~100 ms late; the trigger fires this early instead, the instance is
 * created and dispatched ahead, and the worker starts the processor on the dot with its own timer (`notBefore`).
 */
export const TRIGGER_LEAD_MS = 300;

function toMillis(value: Date | string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The next slot strictly after `millis` of a scheduler: a cron pattern (seconds, time zone, L and #), a
 * DAILY_TIME_INTERVAL or a FIXED_RATE grid, inside its start/end dates (the job's lifecycle). Undefined: no more.
 */
export function nextSlot(millis: number, opts: RepeatOptions): number | undefined {
  const pattern = opts.pattern ?? '';
  const tz = opts.tz ?? 'UTC';
  const start = toMillis(opts.startDate);
  const end = toMillis(opts.endDate);
  const after = start !== undefined && start - 1 > millis ? start - 1 : millis;
  let next: number | undefined;
  if (pattern.startsWith(DAILY_INTERVAL_PATTERN_PREFIX)) {
    next = nextDailyIntervalFire(
      parseDailyTimeInterval(pattern.slice(DAILY_INTERVAL_PATTERN_PREFIX.length)),
      tz,
      after,
    );
  } else if (pattern.startsWith(FIXED_RATE_PATTERN_PREFIX)) {
    const period = Number(pattern.slice(FIXED_RATE_PATTERN_PREFIX.length));
    next = period > 0 ? (Math.floor(after / period) + 1) * period : undefined;
  } else {
    next = nextCronFire(pattern, tz, after);
  }
  if (next === undefined || (end !== undefined && next > end)) return undefined;
  return next;
}

/**
 * BullMQ repeat strategy of the trigger queue (set on its Queue and Worker): BullMQ's `millis` are due times,
 * TRIGGER_LEAD_MS before their slots.
 */
export function jobnestRepeatStrategy(millis: number, opts: RepeatOptions): number | undefined {
  const slot = nextSlot(millis + TRIGGER_LEAD_MS, opts);
  return slot === undefined ? undefined : slot - TRIGGER_LEAD_MS;
}
