import type { EntityManager } from 'typeorm';
import { FlowStateRepository, type RunningFlowState } from '@jobnest/server/internal';

/**
 * The real FlowStateRepository, recording what each release looked at: its pre-checks (with the wall clock a release
 * compares due times with) and the running counts it read under the job's lock (the keys asked for; undefined:
 * every key).
 */
export class RecordingFlowState extends FlowStateRepository {
  readonly preChecks: { jobId: number; now: number }[] = [];
  readonly runningReads: { jobId: number; keys: readonly string[] | undefined }[] = [];

  override hasDueWaiting(tx: EntityManager, jobId: number, now: number, keys?: readonly string[]): Promise<boolean> {
    this.preChecks.push({ jobId, now });
    return super.hasDueWaiting(tx, jobId, now, keys);
  }

  override readRunning(
    tx: EntityManager,
    jobId: number,
    rateWindowMs: number,
    now: number,
    keys?: readonly string[],
  ): Promise<RunningFlowState> {
    this.runningReads.push({ jobId, keys });
    return super.readRunning(tx, jobId, rateWindowMs, now, keys);
  }
}
