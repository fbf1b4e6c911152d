import type { TaskOutcomeRow } from '@jobnest/persistence';

/** Results of one worker waiting for their UPDATE. */
export interface UnwrittenResults {
  workerId: string;
  rows: TaskOutcomeRow[];
  /** The TaskResults message they came in (acknowledged to the worker once stored), when it had one. */
  seq?: number;
}

/**
 * Splits results (in arrival order) into rounds where each task appears at most once, its outcomes in order over
 * the rounds; each round is grouped by the worker that reported (one `worker_id` per statement).
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
