/** Options of a RecentlyStopped memory. */
export interface RecentlyStoppedOptions {
  /** How long a stop is remembered, in ms. (Default: 600000 = 10 min) */
  ttlMs?: number;
  /** Instances remembered at most; the oldest stop is forgotten first. (Default: 1000) */
  maxEntries?: number;
}

interface StopRecord {
  at: number;
  reason: string;
}

/**
 * Stops of instances remembered for a while, so that work for them still on its way is refused when it arrives:
 * a RunInstance that crossed its StopInstance (InstanceTracker), subtasks of a stopped instance still queued in
 * Redis (ProcessorTracker).
 */
export class RecentlyStopped {
  private readonly records = new Map<number, StopRecord>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: RecentlyStoppedOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10 * 60 * 1000;
    this.maxEntries = options.maxEntries ?? 1000;
  }

  remember(instanceId: number, reason: string, now = Date.now()): void {
    this.records.delete(instanceId); // re-insert: Map order is the eviction order
    this.records.set(instanceId, { at: now, reason });
    this.evict(now);
  }

  /** True while a stop of the instance is remembered. */
  has(instanceId: number, now = Date.now()): boolean {
    this.evict(now);
    return this.records.has(instanceId);
  }

  /**
   * The stop reason when a run dispatched at `dispatchedAt` was stopped before it arrived. StopInstance carries no
   * run number, so the dispatch time tells a run that crossed the stop (refused) from a later retry (it runs).
   */
  stopReasonFor(instanceId: number, dispatchedAt: number, now = Date.now()): string | undefined {
    this.evict(now);
    const record = this.records.get(instanceId);
    return record && dispatchedAt <= record.at ? record.reason : undefined;
  }

  private evict(now: number): void {
    for (const [id, record] of this.records) {
      if (this.records.size <= this.maxEntries && now - record.at <= this.ttlMs) break;
      this.records.delete(id);
    }
  }
}
