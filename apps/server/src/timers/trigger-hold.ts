import type { Job } from 'bullmq';
import type { TriggerHold } from '../launch/slot-overlap';

/** How long a server holds a trigger it takes before another may take it over (BullMQ renews it while it runs). */
export const TRIGGER_LOCK_MS = 5000;

/**
 * The hold of a trigger being processed: its BullMQ lock is still this worker's token (and is extended by another
 * lock period when it is). A failed check counts as held: a Redis error must not drop a slot whose lock is fine.
 */
export function triggerHold(trigger: Job): TriggerHold {
  return {
    stillHeld: async () => {
      const token = trigger.token;
      if (token === undefined) return true;
      try {
        return (await trigger.extendLock(token, TRIGGER_LOCK_MS)) === 1;
      } catch {
        return true;
      }
    },
  };
}
