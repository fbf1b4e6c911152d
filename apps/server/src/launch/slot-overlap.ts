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
