import type { TaskOutcomeRow, TaskStore } from '@jobnest/persistence';
import type { SerialWrites } from './serial-writes';

/** Results held for their UPDATE, at most: dispatch pauses above this, so MySQL sets the pace. */
const MAX_UNWRITTEN_RESULTS = 5000;
/** Result rows per CASE UPDATE (the CASE is matched row by row, so larger statements cost more per row). */
const RESULTS_PER_STATEMENT = 500;

/** Results of one worker waiting for their UPDATE. */
export interface UnwrittenResults {
  workerId: string;
  rows: TaskOutcomeRow[];
  /** The TaskResults message they came in (acknowledged to the worker once stored), when it had one. */
  seq?: number;
}

/** What the write-behind writes to the task table. */
export type OutcomeWriter = Pick<TaskStore, 'applyOutcomes'>;

/**
 * The write-behind store of one run's results: a result is taken in memory at once (its capacity goes to the next
 * dispatch), and written in coalesced UPDATEs behind it. One queued write takes every result held when it starts
 * (group commit), RESULTS_PER_STATEMENT per UPDATE; a task can have two results in it (a retry that already came
 * back), each in a later round than the one before. Once written, each worker's `seq` is told back to it with the
 * next RunTasks (RunTasks.resultsStoredThrough), so its ProcessorTracker stops keeping them for a takeover.
 */
export class ResultWriteBehind {
  private unwritten: UnwrittenResults[] = [];
  /** Task id -> results of it unwritten (a retried task can have two). */
  private readonly unwrittenIds = new Map<number, number>();
  /** Per worker, the `seq` of its TaskResults written through. */
  private readonly storedSeq = new Map<string, number>();
  /** The queued write of `unwritten`, until it starts. */
  private queued: Promise<void> | undefined;

  /** `onWritten`: after each write (dispatch may have paused on the bound, completion waits for these rows). */
  constructor(
    private readonly writer: OutcomeWriter,
    private readonly instanceId: number,
    private readonly writes: SerialWrites,
    private readonly onWritten: () => void,
  ) {}

  /** Tasks with a result not written yet (MySQL still reads them as waiting). */
  get size(): number {
    return this.unwrittenIds.size;
  }

  /** Dispatch waits: as many results wait for their UPDATE as the bound allows. */
  get full(): boolean {
    return this.unwrittenIds.size >= MAX_UNWRITTEN_RESULTS;
  }

  has(taskId: number): boolean {
    return this.unwrittenIds.has(taskId);
  }

  /** The `seq` of the worker's TaskResults written through (0: none yet). */
  storedThrough(workerId: string): number {
    return this.storedSeq.get(workerId) ?? 0;
  }

  /** Holds a batch of results until a write takes it (write() queues that write). */
  add(batch: UnwrittenResults): void {
    for (const row of batch.rows) this.unwrittenIds.set(row.id, (this.unwrittenIds.get(row.id) ?? 0) + 1);
    this.unwritten.push(batch);
  }

  /** Queues the write of what is held (one write serves every result added before it starts); resolves once written. */
  write(): Promise<void> {
    this.queued ??= this.writes.run(async () => {
      this.queued = undefined; // results from now on need the next write
      const batches = this.unwritten;
      this.unwritten = [];
      const now = Date.now();
      for (const round of outcomeRounds(batches)) {
        for (const [workerId, rows] of round) {
          for (let i = 0; i < rows.length; i += RESULTS_PER_STATEMENT) {
            await this.writer.applyOutcomes(this.instanceId, rows.slice(i, i + RESULTS_PER_STATEMENT), workerId, now);
          }
        }
      }
      for (const b of batches) {
        if (b.seq !== undefined && b.seq > (this.storedSeq.get(b.workerId) ?? 0)) this.storedSeq.set(b.workerId, b.seq);
        for (const row of b.rows) {
          const left = (this.unwrittenIds.get(row.id) ?? 1) - 1;
          if (left > 0) this.unwrittenIds.set(row.id, left);
          else this.unwrittenIds.delete(row.id);
        }
      }
      this.onWritten();
    });
    return this.queued;
  }
}

/**
 * Splits results (in arrival order) into rounds where each task appears at most once, its outcomes in order over
 * the rounds (one CASE statement can apply only one outcome per row); each round is grouped by the worker that
 * reported (one `worker_id` per statement).
 */
export function outcomeRounds(batches: readonly UnwrittenResults[]): Map<string, TaskOutcomeRow[]>[] {
  const rounds: Map<string, TaskOutcomeRow[]>[] = [];
  const seen = new Map<number, number>();
  for (const { workerId, rows } of batches) {
    for (const row of rows) {
      const index = seen.get(row.id) ?? 0;
      seen.set(row.id, index + 1);
      const round = (rounds[index] ??= new Map());
      const list = round.get(workerId);
      if (list) list.push(row);
      else round.set(workerId, [row]);
    }
  }
  return rounds;
}
