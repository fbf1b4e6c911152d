import { OverlapPolicy } from '@jobnest/common';

/** What the job has when a timer slot comes, counted under its lock. */
export interface SlotContext {
  policy: OverlapPolicy;
  /** Unfinished instances (held ones included). */
  unfinished: number;
  /** Among them, those a dispatch found no eligible worker for. */
  waitingForWorker: number;
  /** Among them, slots buffered by the overlap policy. */
  buffered: number;
  /** The job's overlapBufferLimit (BUFFER_ALL). */
  bufferLimit: number;
  /** maxInstances; 0 = no limit. */
  maxInstances: number;
}

/** What becomes of the slot. */
export type SlotDecision =
  | { kind: 'launch' }
  | { kind: 'skip'; reason: string }
  | { kind: 'buffer'; reason: string }
  /** Stop the unfinished instances, and launch. */
  | { kind: 'replace' };

/**
 * What a slot launched ahead of its time gets when its policy would skip, buffer or replace: nothing yet. Triggers
 * fire TRIGGER_LEAD_MS before their slots, and the instances counted then (an earlier slot dispatched ahead, a run
 * ending in the last few hundred milliseconds) may have ended by the slot, so only a plain launch is decided early;
 * the rest is decided again at the slot itself (see untilSlot).
 */
export interface SlotDeferred {
  kind: 'deferred';
}

export const SLOT_DEFERRED: SlotDeferred = { kind: 'deferred' };

/** Resolves once Date.now() has reached `slot` (at once when it has): where a deferred slot is decided again. */
export async function untilSlot(slot: number): Promise<void> {
  // Timers run on a monotonic clock and can fire a millisecond before the wall clock gets there: wait again then.
  for (let wait = slot - Date.now(); wait > 0; wait = slot - Date.now())
    await new Promise((resolve) => setTimeout(resolve, wait));
}

/** The trigger a slot is handled for, as a wait for the slot must know it: whether this server still holds it. */
export interface TriggerHold {
  /** Whether the trigger's lock is still this server's (and keeps it for another lock period). */
  stillHeld(): Promise<boolean>;
}

/** No trigger to lose: the reconciler's catch-up of a scheduler Redis lost, and tests. */
export const NO_TRIGGER: TriggerHold = { stillHeld: () => Promise.resolve(true) };

/**
 * Waits until `slot`; then, if it did wait, whether the trigger is still held. A server frozen during the wait (a
 * long GC pause, a stopped VM) past the trigger's lock has had it taken over: the stall check replays it, here or on
 * another server, and that replay handles the slot; deciding it here as well would count it twice.
 */
export async function heldUntilSlot(slot: number, hold: TriggerHold): Promise<boolean> {
  if (Date.now() >= slot) return true;
  await untilSlot(slot);
  return hold.stillHeld();
}

/**
 * The overlap policy of a timer slot (pure). An earlier unfinished instance makes the slot overlap: SKIP skips it,
 * BUFFER_ONE and BUFFER_ALL make it wait (up to one, or the buffer limit, then skip), CANCEL_OTHER stops the others
 * and launches, ALLOW_ALL launches beside them, up to maxInstances, and skips while an earlier instance waits for a
 * worker, so slots do not pile up when no worker takes them. A buffered slot starts once no unfinished instance of
 * the job is left, so it never passes a maxInstances of 1 or more.
 */
export function decideSlot(c: SlotContext): SlotDecision {
  if (c.unfinished === 0) return { kind: 'launch' };
  switch (c.policy) {
    case OverlapPolicy.CANCEL_OTHER:
      return { kind: 'replace' };
    case OverlapPolicy.SKIP:
      return { kind: 'skip', reason: `${c.unfinished} earlier instance(s) unfinished (overlapPolicy SKIP)` };
    case OverlapPolicy.BUFFER_ONE:
      return c.buffered > 0
        ? { kind: 'skip', reason: 'one slot is buffered already (overlapPolicy BUFFER_ONE)' }
        : { kind: 'buffer', reason: 'buffered timer slot (BUFFER_ONE): waits for the unfinished instance(s) to end' };
    case OverlapPolicy.BUFFER_ALL:
      return c.buffered >= c.bufferLimit
        ? { kind: 'skip', reason: `${c.buffered} slots are buffered already (overlapBufferLimit=${c.bufferLimit})` }
        : { kind: 'buffer', reason: 'buffered timer slot (BUFFER_ALL): waits for the unfinished instance(s) to end' };
    case OverlapPolicy.ALLOW_ALL:
      if (c.maxInstances > 0 && c.unfinished >= c.maxInstances)
        return { kind: 'skip', reason: `maxInstances=${c.maxInstances} unfinished instances exist` };
      return c.waitingForWorker > 0
        ? { kind: 'skip', reason: 'the previous instance is still waiting for a worker' }
        : { kind: 'launch' };
  }
}
