import type { Repository } from 'typeorm';
import type { JobInfoEntity, WorkflowInfoEntity } from '@jobnest/persistence';
import type { SlotsMissedSignal } from '../alarms/signals/alarm-signals';

/** The two slot counters a timed job or workflow keeps. */
export type SlotCounter = 'skipped_slots' | 'misfired_slots';

/**
 * Adds `count` to a job's or workflow's slot counter and moves its `last_counted_slot` forward, in one UPDATE (both
 * tables name the three columns alike).
 */
export async function countSlots(
  rows: Repository<JobInfoEntity> | Repository<WorkflowInfoEntity>,
  id: number,
  counter: SlotCounter,
  count: number,
  latestSlot: number,
): Promise<void> {
  await rows
    .createQueryBuilder()
    .update()
    .set({
      [counter === 'skipped_slots' ? 'skippedSlots' : 'misfiredSlots']: () => `${counter} + ${Math.trunc(count)}`,
      lastCountedSlot: () => `GREATEST(COALESCE(last_counted_slot, 0), ${Math.trunc(latestSlot)})`,
    })
    .where('id = :id', { id })
    .execute();
}

/** The alarm signal of slots a job or workflow lost (counted as `how` by countSlots). */
export function slotsMissed(
  target: SlotsMissedSignal['target'],
  row: { id: number; appId: number; name: string },
  how: SlotsMissedSignal['how'],
  count: number,
  latestSlot: number,
  reason?: string,
): SlotsMissedSignal {
  return { kind: 'slots-missed', target, id: row.id, appId: row.appId, name: row.name, how, count, latestSlot, reason };
}
