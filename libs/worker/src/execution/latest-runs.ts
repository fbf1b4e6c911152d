/** Instances remembered; the oldest entries are forgotten first. */
const MAX_ENTRIES = 10_000;

/**
 * The newest run number seen here per instance, so that a RunInstance of an older run (a late duplicate, after
 * the server moved on to a retry) is not started again once the newer run has ended.
 */
export class LatestRuns {
  private readonly latest = new Map<number, number>();

  /** Records the run; false if a newer run of the instance was already seen. */
  admit(instanceId: number, runningTimes: number): boolean {
    const seen = this.latest.get(instanceId);
    if (seen !== undefined && seen > runningTimes) return false;
    this.latest.delete(instanceId); // re-insert: Map order is the eviction order
    this.latest.set(instanceId, runningTimes);
    if (this.latest.size > MAX_ENTRIES) {
      const oldest = this.latest.keys().next().value;
      if (oldest !== undefined) this.latest.delete(oldest);
    }
    return true;
  }
}
