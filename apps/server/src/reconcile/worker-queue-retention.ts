import type { WorkerAddress, WorkerCommandSender } from '@jobnest/transport';
import type { WorkerLastSeenRecord } from '../cluster/worker-last-seen';
import type { KeepGoing } from './batched-delete';

/** Workers looked at per scan of the last-seen record. */
const WORKERS_PER_SCAN = 100;

/** What the queue purge needs to know about a worker right now. */
export interface WorkerLiveness {
  /**
   * Whether a live worker takes its commands on this queue now (a worker upgraded in place under the same id has
   * moved off its old queue, which can then go).
   */
  usesQueue(address: WorkerAddress): boolean;
}

/**
 * Removes from Redis the command queues (`jobnest-worker-<id>`, with every job left on them) of workers last seen
 * more than `retentionMs` before `now`. A worker this server still sees alive keeps its queue, and so does one whose
 * record moved on meanwhile. Returns the ids of the workers whose queues were removed.
 */
export async function removeQueuesOfGoneWorkers(
  lastSeen: WorkerLastSeenRecord,
  liveness: WorkerLiveness,
  commands: WorkerCommandSender,
  retentionMs: number,
  now: number,
  keepGoing: KeepGoing = () => true,
): Promise<string[]> {
  const cutoff = now - retentionMs;
  const removed: string[] = [];
  const skipped = new Set<string>();
  const keyOf = (w: WorkerAddress): string => `${w.appId ?? ''}/${w.workerId}`;
  for (;;) {
    const limit = WORKERS_PER_SCAN + skipped.size;
    const seen = await lastSeen.seenBefore(cutoff, limit);
    const gone = seen.filter((w) => !skipped.has(keyOf(w)));
    for (const worker of gone) {
      if (liveness.usesQueue(worker)) {
        // Its heartbeats reach this server but not (yet) the record: the next flush moves it on.
        skipped.add(keyOf(worker));
        continue;
      }
      await commands.removeQueue(worker);
      if (await lastSeen.forget(worker, cutoff)) removed.push(worker.workerId);
      else skipped.add(keyOf(worker)); // heartbeating again: its queue is recreated by the next command
      if (!keepGoing()) return removed;
    }
    if (gone.length === 0 || seen.length < limit) return removed;
  }
}
