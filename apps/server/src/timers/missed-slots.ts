import type { RepeatOptions } from 'bullmq';
import { nextSlot, TRIGGER_LEAD_MS } from './jobnest-repeat-strategy';

/** The slots a late trigger left behind it. */
export interface MissedSlots {
  /** Slots older than the misfire threshold: skipped and counted. */
  misfired: number;
  /** More misfired slots exist than were counted (`maxCounted`). */
  capped: boolean;
  /** Slots still within the threshold, oldest first: to fire now. */
  due: number[];
  /** How far the misfired part of the walk reached (the latest counted slot, or past the cap the threshold), or undefined when none misfired. */
  lastMisfired: number | undefined;
}

/**
 * The slots after `lastSlot` whose triggers were due by `now` (BullMQ schedules the next trigger from the time it
 * took the last one, so after a late one these would never fire). Slots before `oldest` (now - misfire threshold)
 * are counted, at most `maxCounted` of them, one by one; past that the count stops and the walk jumps to `oldest`.
 */
export function missedSlots(
  lastSlot: number,
  now: number,
  oldest: number,
  repeat: RepeatOptions,
  maxCounted: number,
): MissedSlots {
  const result: MissedSlots = { misfired: 0, capped: false, due: [], lastMisfired: undefined };
  let t = nextSlot(lastSlot, repeat);
  while (t !== undefined && t - TRIGGER_LEAD_MS <= now) {
    if (t >= oldest) {
      result.due.push(t);
    } else if (result.misfired < maxCounted) {
      result.misfired++;
      result.lastMisfired = t;
    } else {
      result.capped = true;
      result.lastMisfired = oldest - 1;
      t = nextSlot(oldest - 1, repeat);
      continue;
    }
    t = nextSlot(t, repeat);
  }
  return result;
}
