import {
  errorMessage,
  type TaskAssignment,
  type TaskResult,
  type TasksHeldCommand,
  type WorkerCommand,
} from '@jobnest/common';
import type { TaskStore } from '@jobnest/persistence';
import { WorkerLogger } from '../util/worker-logger';
import type { InFlightLedger } from './in-flight-ledger';
import type { ReadyQueue } from './ready-queue';
import type { ResultWriteBehind } from './result-write-behind';
import type { RunFleet } from './run-fleet';
import type { TaskProgress } from './task-progress';

/**
 * A takeover waits this long at most for the live workers to say what they hold of the instance (AdoptTasks) before
 * it dispatches; live workers answer in milliseconds, so this only matters when one dies meanwhile.
 */
const ADOPT_WAIT_MS = 3000;

/** What a takeover works on. */
export interface HeldTaskAdoptionDeps {
  instanceId: number;
  runningTimes: number;
  /** This TaskTracker's worker. */
  workerId: string;
  store: Pick<TaskStore, 'unfinishedIds'>;
  fleet: RunFleet;
  ledger: InFlightLedger;
  ready: ReadyQueue;
  results: ResultWriteBehind;
  progress: TaskProgress;
  send(workerId: string, command: WorkerCommand): Promise<void>;
}

/**
 * A takeover's first step (its previous TaskTracker died or shut down): before anything is dispatched, every live
 * worker is asked what it holds of the instance, and its subtasks running or queued there become in flight here
 * (they run on, and report to this TaskTracker with their old dispatch generation), so they do not run again.
 */
export class HeldTaskAdoption {
  private readonly logger: WorkerLogger;
  /** Workers asked that have not answered yet. */
  private pending = new Set<string>();
  /** Set while the answers are gathered. */
  private allAnswered: (() => void) | undefined;

  constructor(private readonly deps: HeldTaskAdoptionDeps) {
    this.logger = new WorkerLogger(HeldTaskAdoption.name, deps.workerId);
  }

  /** Asks every live worker of the app what it holds of the instance, and waits for the answers (at most ADOPT_WAIT_MS). */
  async gather(): Promise<void> {
    const { fleet, workerId, instanceId, runningTimes } = this.deps;
    const workers = fleet.live().map((w) => w.workerId);
    if (!workers.includes(workerId)) workers.push(workerId);
    this.pending = new Set(workers);
    const answered = new Promise<void>((resolve) => (this.allAnswered = resolve));
    await Promise.all(
      workers.map((w) =>
        this.deps
          .send(w, { kind: 'AdoptTasks', instanceId, runningTimes, trackerWorkerId: workerId })
          .catch((err: unknown) => {
            this.logger.warn(
              `instance ${instanceId}: asking ${w} for its subtasks failed (they may run again): ${errorMessage(err)}`,
            );
            this.answered(w);
          }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([answered, new Promise<void>((resolve) => (timer = setTimeout(resolve, ADOPT_WAIT_MS)))]);
    clearTimeout(timer);
    if (this.pending.size > 0) {
      this.logger.warn(
        `instance ${instanceId}: no answer from ${[...this.pending].join(', ')} within ${ADOPT_WAIT_MS} ms; what they hold may run again`,
      );
    }
    this.pending.clear();
    this.allAnswered = undefined;
  }

  /** The worker answered (or cannot). */
  answered(workerId: string): void {
    this.pending.delete(workerId);
    if (this.pending.size === 0) this.allAnswered?.();
  }

  /**
   * A worker's answer: its subtasks of this instance become in flight here, and the results of its finished ones are
   * returned, for the TaskTracker to apply as TaskResults. Only rows still unfinished in MySQL are taken: the others'
   * results were stored by the previous TaskTracker.
   */
  async take(command: TasksHeldCommand): Promise<TaskResult[]> {
    const { ledger, results, store, instanceId, progress } = this.deps;
    const held = [...command.tasks, ...command.finished.map((f) => f.task)];
    // Adopted before the first await: the worker sends these tasks' results right behind its answer.
    const candidates = held.filter((t) => !ledger.has(t.taskId) && !results.has(t.taskId));
    for (const t of candidates) this.adopt(t, command.workerId);
    const unfinished = await store.unfinishedIds(
      instanceId,
      candidates.map((t) => t.taskId),
    );
    const stillHeld = (t: TaskAssignment) => ledger.generationOf(t.taskId) === t.generation;
    for (const t of candidates) {
      if (unfinished.has(t.taskId) || !stillHeld(t)) continue;
      // Stored by the previous TaskTracker already: nothing to adopt.
      ledger.forget(t.taskId);
      progress.move('running', 'waiting', 1);
    }
    const taken = new Set(candidates);
    const adopted = (t: TaskAssignment) => taken.has(t) && unfinished.has(t.taskId) && stillHeld(t);
    const finished = command.finished
      .filter((f) => adopted(f.task))
      .map((f) => ({ taskId: f.task.taskId, generation: f.task.generation, success: f.success, result: f.result }));
    const running = command.tasks.filter(adopted).length;
    if (running + finished.length > 0) {
      this.logger.log(
        `instance ${instanceId}: adopted ${running} running and ${finished.length} finished subtask(s) from ${command.workerId}`,
      );
    }
    return finished;
  }

  /** A subtask the previous TaskTracker dispatched, now in flight here with the generation it was sent with. */
  private adopt(t: TaskAssignment, workerId: string): void {
    this.deps.ready.adopted(t.taskId);
    const task = { id: t.taskId, taskName: t.taskName, payload: t.payload, failures: t.failures, isRoot: t.isRoot };
    this.deps.ledger.adopt(task, workerId, t.generation, Date.now());
    this.deps.progress.move('waiting', 'running', 1);
  }
}
