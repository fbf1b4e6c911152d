/** How long a stop of an instance that is not running here is remembered. */
const TTL_MS = 10 * 60 * 1000;
const MAX_ENTRIES = 1000;

interface StopRecord {
  at: number;
  reason: string;
}

/**
 * Stops that arrived for instances not running here. A RunInstance dispatched before such a stop (the two crossed
 * on the way) is refused; one dispatched after it is a new run (a retry) and runs. StopInstance carries no run
 * number, so the dispatch time is what tells them apart.
 */
export class RecentlyStopped {
  private readonly records = new Map<number, StopRecord>();

  remember(instanceId: number, reason: string, now = Date.now()): void {
    this.records.delete(instanceId); // re-insert: Map order is the eviction order
    this.records.set(instanceId, { at: now, reason });
    this.evict(now);
  }

  /** The stop reason when a run dispatched at `dispatchedAt` was stopped before it arrived. */
  stopReasonFor(instanceId: number, dispatchedAt: number, now = Date.now()): string | undefined {
    this.evict(now);
    const record = this.records.get(instanceId);
    return record && dispatchedAt <= record.at ? record.reason : undefined;
  }

  private evict(now: number): void {
    for (const [id, record] of this.records) {
      if (this.records.size <= MAX_ENTRIES && now - record.at <= TTL_MS) break;
      this.records.delete(id);
    }
  }
}
