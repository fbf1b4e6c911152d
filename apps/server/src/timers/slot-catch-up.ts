import type { Logger } from '@nestjs/common';
import type { RepeatOptions } from 'bullmq';
import type { Repository } from 'typeorm';
import type { JobInfoEntity, WorkflowInfoEntity } from '@jobnest/persistence';
import { TRIGGER_LEAD_MS } from './jobnest-repeat-strategy';
import { missedSlots } from './missed-slots';
import { countSlots } from './slot-counters';

/** A scheduler trigger taken this late (after its due time) may have left slots behind it (see catchUpSlots). */
const LATE_TRIGGER_MS = 50;
/** Misfired slots counted one by one after a late trigger, at most (a longer outage counts this many). */
const MAX_COUNTED_MISFIRES = 10_000;

/**
 * Whether a scheduler trigger for `slot`, taken at `takenAt`, was taken late enough that slots may have vanished
 * behind it.
 */
export function takenLate(slot: number, takenAt: number): boolean {
  return takenAt - (slot - TRIGGER_LEAD_MS) >= LATE_TRIGGER_MS;
}

/** A timed job or workflow whose calendar is caught up. */
export interface CatchUpTarget {
  /** 'job 3' or 'workflow 7', for the log. */
  name: string;
  id: number;
  /** Where its slot counters live. */
  rows: Repository<JobInfoEntity> | Repository<WorkflowInfoEntity>;
  /** Its scheduler (undefined: nothing to catch up). */
  repeat: RepeatOptions | undefined;
  fire(slot: number): Promise<unknown>;
  /** Misfired slots were counted (an alarm may follow). */
  onMisfired(count: number, latestSlot: number): void;
}

/**
 * BullMQ computes a scheduler's next trigger from the moment it took this one, so when this one was taken late
 * (a stalled server, a takeover after a crash, an outage, a scheduler Redis lost) the slots in between would vanish
 * without a trace. They are handled like any late trigger: within the misfire threshold they fire (one instance per
 * slot), older ones are counted in misfiredSlots (one UPDATE). For jobs and workflows alike.
 *
 * `takenAt`: when the late trigger was taken, which is when BullMQ armed the next one (for the first slot due after
 * it). Only the slots due by then are caught up: the slot's launch may have waited for its time since (a deferred
 * overlap decision), and a walk up to the clock after that wait would fire, and count, the slots after it a second
 * time beside their own triggers. A scheduler Redis lost has armed nothing: its catch-up passes the clock.
 */
export async function catchUpSlots(
  target: CatchUpTarget,
  lastSlot: number,
  takenAt: number,
  misfireThresholdMs: number,
  logger: Logger,
): Promise<void> {
  if (!target.repeat) return;
  const now = Date.now();
  const missed = missedSlots(lastSlot, takenAt, now - misfireThresholdMs, target.repeat, MAX_COUNTED_MISFIRES);
  if (missed.misfired > 0) {
    await countSlots(target.rows, target.id, 'misfired_slots', missed.misfired, missed.lastMisfired ?? lastSlot);
    target.onMisfired(missed.misfired, missed.lastMisfired ?? lastSlot);
    logger.warn(
      `${target.name}: ${missed.capped ? 'more than ' : ''}${missed.misfired} slot(s) after ${new Date(lastSlot).toISOString()} misfired (the trigger came ${now - lastSlot} ms late), skipped`,
    );
  }
  for (const slot of missed.due) {
    // Taken over while a slot waited for its time: the replay of the trigger catches up the rest.
    if ((await target.fire(slot)) === 'taken-over') return;
  }
}
