import type { TaskCounts } from '@jobnest/common';

/** A column of TaskCounts a task moves between. */
export type TaskCountColumn = Exclude<keyof TaskCounts, 'total'>;

/**
 * The subtask counts of one run as its TaskTracker knows them (MySQL's counts, moved along in memory as tasks
 * are dispatched, finish or are lost), and their RUNNING report, sent only when they changed.
 */
export class TaskProgress {
  private current: TaskCounts = { total: 0, waiting: 0, running: 0, succeeded: 0, failed: 0 };
  private lastReported = '';

  /** `report` sends the counts (a copy) with a RUNNING report of the run. */
  constructor(private readonly report: (counts: TaskCounts) => void) {}

  get counts(): Readonly<TaskCounts> {
    return this.current;
  }

  /** A copy of the counts now. */
  snapshot(): TaskCounts {
    return { ...this.current };
  }

  /** Counts read from MySQL replace the ones in memory. */
  replace(counts: TaskCounts): void {
    this.current = counts;
  }

  /** `count` new waiting tasks (a ctx.map() stored them). */
  add(count: number): void {
    this.current.total += count;
    this.current.waiting += count;
  }

  /** `count` tasks move from one column to another (dispatched: waiting -> running; a result: running -> ...). */
  move(from: TaskCountColumn, to: TaskCountColumn, count: number): void {
    this.current[from] -= count;
    this.current[to] += count;
  }

  /** Sends a RUNNING report when the counts changed since the last one. */
  reportIfChanged(): void {
    const snapshot = JSON.stringify(this.current);
    if (snapshot === this.lastReported) return;
    this.lastReported = snapshot;
    this.report({ ...this.current });
  }
}
