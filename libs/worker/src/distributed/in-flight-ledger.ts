import type { WaitingTask } from '@jobnest/persistence';

/** A dispatched batch not acknowledged within this goes to another worker. */
const ACK_TIMEOUT_MS = 10_000;
/**
 * Subtasks sent to one worker and not finished yet, at most (or 4 x concurrency when larger): large enough to keep
 * a worker busy between two dispatch rounds, small enough that workers joining later still get a share.
 */
const WINDOW_PER_WORKER = 400;

/** One dispatched task, until its result arrives or it is lost. */
export interface InFlight {
  task: WaitingTask;
  workerId: string;
  /** Dispatch generation it was sent with (`generation` on the wire); a result of another generation is dropped. */
  generation: number;
  dispatchedAt: number;
  /** The worker said it received it (TasksReceived). */
  acked: boolean;
}

/** Lost dispatches found by lost(). */
export interface LostDispatches {
  lost: InFlight[];
  /** The workers among them that stopped heartbeating. */
  deadWorkers: Set<string>;
}

/**
 * What one run has in flight: task -> worker and dispatch generation, and how many tasks each worker holds (its
 * window). Every dispatch gets a new generation, so a result of an older dispatch of a task sent again is told
 * apart and dropped. Memory only: MySQL reads these tasks as waiting.
 */
export class InFlightLedger {
  private readonly inflight = new Map<number, InFlight>();
  private readonly perWorker = new Map<string, number>();
  private generation: number;

  /** `firstGeneration`: starts at the clock, so a later TaskTracker on the same worker id never reuses one. */
  constructor(firstGeneration = Date.now()) {
    this.generation = firstGeneration;
  }

  get size(): number {
    return this.inflight.size;
  }

  has(taskId: number): boolean {
    return this.inflight.has(taskId);
  }

  /** The generation the task is in flight with, or undefined. */
  generationOf(taskId: number): number | undefined {
    return this.inflight.get(taskId)?.generation;
  }

  /** Workers holding tasks of the run. */
  workers(): string[] {
    return [...this.perWorker.keys()];
  }

  /** Room left in each worker's window (workers without room are left out). */
  freeRoom(workerIds: readonly string[], concurrency: number): Map<string, number> {
    const window = Math.max(concurrency * 4, WINDOW_PER_WORKER);
    const free = new Map<string, number>();
    for (const w of workerIds) {
      const room = window - (this.perWorker.get(w) ?? 0);
      if (room > 0) free.set(w, room);
    }
    return free;
  }

  /** Records a batch sent to `workerId` under a new generation, which it returns. */
  dispatch(workerId: string, batch: readonly WaitingTask[], now: number): number {
    const generation = ++this.generation;
    for (const task of batch)
      this.inflight.set(task.id, { task, workerId, generation, dispatchedAt: now, acked: false });
    this.add(workerId, batch.length);
    return generation;
  }

  /** A task the previous TaskTracker dispatched (takeover), in flight here with the generation it was sent with. */
  adopt(task: WaitingTask, workerId: string, generation: number, now: number): void {
    this.inflight.set(task.id, { task, workerId, generation, dispatchedAt: now, acked: true });
    this.add(workerId, 1);
  }

  /** TasksReceived: the dispatch of that generation arrived. */
  acknowledge(taskId: number, generation: number): void {
    const f = this.inflight.get(taskId);
    if (f && f.generation === generation) f.acked = true;
  }

  /**
   * A result of the task's dispatch `generation`: the task leaves the ledger and its entry is returned. Undefined
   * for a task not in flight, or a result of an older dispatch of a task sent again (dropped).
   */
  settle(taskId: number, generation: number): InFlight | undefined {
    const f = this.inflight.get(taskId);
    if (!f || f.generation !== generation) return undefined;
    this.remove(taskId, f);
    return f;
  }

  /** Drops the task whatever its generation (a takeover found its result stored already). */
  forget(taskId: number): void {
    const f = this.inflight.get(taskId);
    if (f) this.remove(taskId, f);
  }

  /** Dispatches lost now: on workers that stopped heartbeating, or not acknowledged within ACK_TIMEOUT_MS. */
  lost(now: number, isAlive: (workerId: string) => boolean): LostDispatches {
    const lost: InFlight[] = [];
    const deadWorkers = new Set<string>();
    for (const f of this.inflight.values()) {
      const dead = !isAlive(f.workerId);
      if (dead) deadWorkers.add(f.workerId);
      if (dead || (!f.acked && now - f.dispatchedAt > ACK_TIMEOUT_MS)) lost.push(f);
    }
    return { lost, deadWorkers };
  }

  /** The lost dispatches leave the ledger (they run again or fail). */
  release(lost: readonly InFlight[]): void {
    for (const f of lost) this.remove(f.task.id, f);
  }

  private add(workerId: string, count: number): void {
    this.perWorker.set(workerId, (this.perWorker.get(workerId) ?? 0) + count);
  }

  private remove(taskId: number, f: InFlight): void {
    this.inflight.delete(taskId);
    const left = (this.perWorker.get(f.workerId) ?? 1) - 1;
    if (left > 0) this.perWorker.set(f.workerId, left);
    else this.perWorker.delete(f.workerId);
  }
}
