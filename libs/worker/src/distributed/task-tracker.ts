import {
  errorMessage,
  ExecuteType,
  InstanceStatus,
  type RunInstanceCommand,
  type TaskResultsCommand,
  type TasksHeldCommand,
  type TasksReceivedCommand,
  TaskStatus,
  type WorkerCommand,
} from '@jobnest/common';
import type { TaskOutcomeRow, TaskStore, WaitingTask } from '@jobnest/persistence';
import type { InstanceOutcome } from '../execution/instance-executor';
import type { InstanceRun } from '../execution/instance-run';
import type { BasicProcessor, BroadcastProcessor } from '../processor/processor.interfaces';
import type { StatusReporter } from '../reporting/status-reporter';
import type { TaskLogSink } from '../reporting/task-logger';
import { WorkerLogger } from '../util/worker-logger';
import { BroadcastDispatchPolicy } from './broadcast-dispatch-policy';
import type { DispatchPolicy } from './dispatch-policy';
import { HeldTaskAdoption } from './held-task-adoption';
import { InFlightLedger, type InFlight } from './in-flight-ledger';
import { MapDispatchPolicy } from './map-dispatch-policy';
import { ReadyQueue } from './ready-queue';
import { ResultWriteBehind } from './result-write-behind';
import { RootSteps } from './root-steps';
import { RunFinisher } from './run-finisher';
import { type FleetDirectory, RunFleet } from './run-fleet';
import { RunStateMachine } from './run-state';
import { SerialWrites } from './serial-writes';
import { TaskProgress } from './task-progress';

/** Subtasks per RunTasks message: one BullMQ job per item would cap dispatch at BullMQ's own job rate. */
const TASKS_PER_MESSAGE = 200;
/** Without any eligible worker for this long, the instance fails. */
const NO_WORKER_TIMEOUT_MS = 30_000;
const TICK_MS = 1000;

/** What a TaskTracker needs from the worker around it. */
export interface TaskTrackerDeps {
  workerId: string;
  processor: BasicProcessor;
  store: TaskStore;
  directory: FleetDirectory;
  logs: TaskLogSink;
  reporter: Pick<StatusReporter, 'reportRunning'>;
  send(workerId: string, command: WorkerCommand): Promise<void>;
}

/**
 * The TaskTracker of one Map / MapReduce / Broadcast run: it coordinates the run's subtasks over the workers of
 * the app, whose ProcessorTrackers run them. MySQL's task table holds every task and every result; memory holds
 * what is in flight. A subtask's row is written twice: when ctx.map() inserts it and when its result is stored. In
 * between it reads WAITING_DISPATCH in MySQL, and the TaskTracker knows it is in flight.
 *
 * Its parts: the ReadyQueue (waiting rows read from MySQL), the InFlightLedger (what each worker holds, dispatch
 * generations, lost dispatches), the ResultWriteBehind (results taken at once, stored in coalesced UPDATEs), the
 * DispatchPolicy of the execute type (Map or Broadcast), HeldTaskAdoption (a takeover's first step), the
 * RunFinisher (reduce / postProcess) and the RunStateMachine (starting, running, finishing, ended; the pump).
 * Concurrent maps can commit below the read cursor: SubtasksCreated moves it back, and completion is only declared
 * once MySQL shows no waiting row. A resumed run (its previous TaskTracker died) reads from id 0: finished tasks
 * stay finished, the ones that were in flight run again unless a live worker still holds them.
 */
export class TaskTracker {
  private readonly logger: WorkerLogger;
  private readonly lifecycle = new RunStateMachine();
  /** Every write of this run to the task table, one after the other. */
  private readonly writes = new SerialWrites();
  private readonly ledger = new InFlightLedger();
  private readonly results: ResultWriteBehind;
  private readonly ready: ReadyQueue;
  private readonly progress: TaskProgress;
  private readonly fleet: RunFleet;
  private readonly policy: DispatchPolicy;
  private readonly adoption: HeldTaskAdoption;
  private readonly finisher: RunFinisher;
  private noWorkerSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resolveOutcome!: (outcome: InstanceOutcome) => void;
  private readonly outcome = new Promise<InstanceOutcome>((resolve) => (this.resolveOutcome = resolve));

  constructor(
    private readonly run: InstanceRun,
    private readonly deps: TaskTrackerDeps,
  ) {
    const { command, instanceId } = run;
    this.logger = new WorkerLogger(TaskTracker.name, deps.workerId);
    this.results = new ResultWriteBehind(deps.store, instanceId, this.writes, () => this.kick());
    this.ready = new ReadyQueue(
      deps.store,
      instanceId,
      this.writes,
      (taskId) => this.ledger.has(taskId) || this.results.has(taskId),
    );
    this.progress = new TaskProgress((counts) => deps.reporter.reportRunning(instanceId, command.runningTimes, counts));
    this.fleet = new RunFleet(deps.directory, command);
    const steps = new RootSteps({
      command,
      processor: deps.processor,
      workerId: deps.workerId,
      signal: run.signal,
      logs: deps.logs,
      workflow: run.workflowHandle(),
    });
    const policyDeps = {
      instanceId,
      store: deps.store,
      writes: this.writes,
      ready: this.ready,
      fleet: this.fleet,
      progress: this.progress,
    };
    this.policy =
      command.executeType === ExecuteType.BROADCAST
        ? new BroadcastDispatchPolicy({ ...policyDeps, processor: deps.processor as BroadcastProcessor, steps })
        : new MapDispatchPolicy(policyDeps);
    this.adoption = new HeldTaskAdoption({
      instanceId,
      runningTimes: command.runningTimes,
      workerId: deps.workerId,
      store: deps.store,
      fleet: this.fleet,
      ledger: this.ledger,
      ready: this.ready,
      results: this.results,
      progress: this.progress,
      send: deps.send,
    });
    this.finisher = new RunFinisher({ command, processor: deps.processor, store: deps.store, steps });
  }

  private get command(): RunInstanceCommand {
    return this.run.command;
  }

  private get instanceId(): number {
    return this.run.instanceId;
  }

  /** Sets the run up (fresh or resumed) and resolves with its outcome once every task finished. */
  async execute(): Promise<InstanceOutcome> {
    const { store } = this.deps;
    const now = Date.now();
    // Listening first: a stop that arrives while the run is being set up must still end it.
    this.run.signal.addEventListener('abort', () => void this.onAbort(), { once: true });
    if (this.command.resume) {
      await this.policy.resumeInFlight(now);
      this.logger.log(`instance ${this.instanceId} run ${this.command.runningTimes}: resuming from the task table`);
      this.progress.replace(await store.counts(this.instanceId));
      // Before the first dispatch: what the workers still run or finished for the previous TaskTracker is adopted,
      // not run again (broadcast tasks in flight were failed above: they must not run twice on one host).
      if (this.policy.adoptsHeldTasks && this.progress.counts.waiting > 0) await this.adoption.gather();
    } else {
      await store.deleteInstance(this.instanceId);
      this.progress.replace(await store.counts(this.instanceId));
    }
    if (this.progress.counts.total === 0) {
      const early = await this.policy.seed(now);
      if (early) return early;
      this.progress.replace(await store.counts(this.instanceId));
    }
    if (this.lifecycle.ended) {
      // Stopped during the set-up: rows it created after the stop are ended too (a shutdown leaves them for a takeover).
      const kind = this.run.abortKind;
      if (kind === 'stop' || kind === 'time-limit')
        await store.failUnfinished(this.instanceId, 'stopped while starting', Date.now());
      return this.outcome;
    }
    this.lifecycle.started();
    this.progress.reportIfChanged();
    this.timer = setInterval(() => this.onTick(), TICK_MS);
    this.kick();
    return this.outcome;
  }

  /** TasksReceived: these dispatches arrived (no longer lost after ACK timeout). */
  onReceived(command: TasksReceivedCommand): void {
    for (const t of command.tasks) this.ledger.acknowledge(t.taskId, t.generation);
  }

  /** A worker's answer to AdoptTasks (takeover): its subtasks become in flight here, its results are applied. */
  async onTasksHeld(command: TasksHeldCommand): Promise<void> {
    try {
      if (this.lifecycle.ended) return;
      const results = await this.adoption.take(command);
      if (results.length > 0) {
        await this.onResults({
          kind: 'TaskResults',
          instanceId: this.instanceId,
          runningTimes: this.command.runningTimes,
          workerId: command.workerId,
          results,
        });
      }
    } finally {
      this.adoption.answered(command.workerId);
    }
  }

  /** `firstTaskId`: where the new rows start; when already read past, the next read goes back there. */
  onSubtasksCreated(count: number, firstTaskId: number): void {
    this.progress.add(count);
    this.ready.announce(firstTaskId);
    this.kick();
  }

  /**
   * Frees the capacity at once (the next subtasks go out now) and stores the results behind it, coalesced with
   * the other results that arrive meanwhile. Resolves once they are stored.
   */
  onResults(command: TaskResultsCommand): Promise<void> {
    if (this.lifecycle.ended) return Promise.resolve();
    const rows: TaskOutcomeRow[] = [];
    const retries: WaitingTask[] = [];
    for (const r of command.results) {
      const f = this.ledger.settle(r.taskId, r.generation);
      if (!f) continue; // not in flight, or an older dispatch of a task that was sent again
      if (r.success) {
        rows.push({ id: r.taskId, status: TaskStatus.SUCCEEDED, result: r.result, failures: f.task.failures });
        this.progress.move('running', 'succeeded', 1);
      } else if (f.task.failures + 1 <= this.command.taskRetries) {
        rows.push({
          id: r.taskId,
          status: TaskStatus.WAITING_DISPATCH,
          result: r.result,
          failures: f.task.failures + 1,
        });
        retries.push({ ...f.task, failures: f.task.failures + 1 });
        this.progress.move('running', 'waiting', 1);
      } else {
        rows.push({ id: r.taskId, status: TaskStatus.FAILED, result: r.result, failures: f.task.failures + 1 });
        this.progress.move('running', 'failed', 1);
      }
    }
    if (rows.length === 0) return Promise.resolve();
    this.results.add({ workerId: command.workerId, rows, seq: command.seq });
    this.ready.requeue(retries);
    this.kick();
    return this.results.write().catch((err: unknown) => this.fail(err));
  }

  private kick(): void {
    this.pump().catch((err: unknown) => this.fail(err));
  }

  /** Dispatch rounds until no capacity or no waiting task is left; then checks whether the run is complete. */
  private async pump(): Promise<void> {
    // Not while starting: during a takeover's adoption a row read now may be running on a worker whose answer has
    // not been applied yet; the set-up ends with a kick.
    if (!this.lifecycle.beginPump()) return;
    try {
      let progressed: boolean;
      do {
        const dispatched = await this.dispatchRound();
        // Read ahead while the workers run what was just sent.
        const read = this.ready.wantsRead ? await this.ready.read() : 0;
        progressed = dispatched > 0 || read > 0;
      } while (this.lifecycle.continuePump(progressed));
    } finally {
      this.lifecycle.endPump();
    }
    await this.maybeFinish();
  }

  /** One round: free room per worker, that many ready tasks, a few messages per worker (no SQL but broadcast). */
  private async dispatchRound(): Promise<number> {
    if (this.ready.length === 0) return 0;
    const workers = this.policy.candidates();
    if (workers.length === 0) {
      this.noWorkerSince ??= Date.now();
      return 0;
    }
    this.noWorkerSince = undefined;
    if (this.results.full) return 0;
    const free = this.ledger.freeRoom(
      workers.map((w) => w.workerId),
      this.command.concurrency,
    );
    const capacity = [...free.values()].reduce((a, b) => a + b, 0);
    if (capacity === 0) return 0;
    const assigned = this.policy.assign(free, capacity);
    const batches = assigned instanceof Promise ? await assigned : assigned;
    const sent = await Promise.all([...batches].map(([workerId, batch]) => this.dispatchTo(workerId, batch)));
    return sent.reduce((a, b) => a + b, 0);
  }

  private async dispatchTo(workerId: string, batch: WaitingTask[]): Promise<number> {
    if (batch.length === 0) return 0;
    const marking = this.policy.beforeSend(workerId, batch);
    if (marking) await marking;
    const generation = this.ledger.dispatch(workerId, batch, Date.now());
    this.progress.move('waiting', 'running', batch.length);
    const c = this.command;
    const messages: Promise<void>[] = [];
    for (let i = 0; i < batch.length; i += TASKS_PER_MESSAGE) {
      messages.push(
        this.deps.send(workerId, {
          kind: 'RunTasks',
          instanceId: c.instanceId,
          jobId: c.jobId,
          runningTimes: c.runningTimes,
          trackerWorkerId: this.deps.workerId,
          processor: c.processor,
          executeType: c.executeType,
          jobParams: c.jobParams,
          instanceParams: c.instanceParams,
          taskRetries: c.taskRetries,
          concurrency: Math.max(1, c.concurrency),
          resultsStoredThrough: this.results.storedThrough(workerId),
          ...(c.workflow ? { workflow: c.workflow } : {}),
          tasks: batch.slice(i, i + TASKS_PER_MESSAGE).map((t) => ({
            taskId: t.id,
            taskName: t.taskName,
            payload: t.payload,
            generation,
            failures: t.failures,
            isRoot: t.isRoot,
          })),
        }),
      );
    }
    await Promise.all(messages);
    return batch.length;
  }

  /** Dead workers and unacknowledged batches lose their tasks (re-dispatched, or failed for broadcast). */
  private onTick(): void {
    if (this.lifecycle.ended) return;
    const now = Date.now();
    const { lost, deadWorkers } = this.ledger.lost(now, (workerId) => this.fleet.isAlive(workerId));
    if (lost.length > 0) this.recover(lost, deadWorkers).catch((err: unknown) => this.fail(err));
    if (this.noWorkerSince !== undefined && now - this.noWorkerSince > NO_WORKER_TIMEOUT_MS) {
      this.fail(new Error(`no eligible worker for the subtasks for ${NO_WORKER_TIMEOUT_MS / 1000} s`));
      return;
    }
    this.progress.reportIfChanged();
    this.kick(); // workers that joined get their share
  }

  /** Lost dispatches leave the ledger; the policy runs them again (Map / MapReduce) or fails them (broadcast). */
  private async recover(lost: InFlight[], deadWorkers: Set<string>): Promise<void> {
    this.ledger.release(lost);
    const why =
      deadWorkers.size > 0
        ? `worker(s) ${[...deadWorkers].join(', ')} stopped heartbeating`
        : 'not acknowledged in time';
    this.logger.warn(`instance ${this.instanceId}: ${lost.length} subtask(s) ${this.policy.lostTasksAre}: ${why}`);
    const recovering = this.policy.recover(
      lost.map((f) => f.task),
      why,
    );
    if (recovering) await recovering;
    this.kick();
  }

  /** Complete when nothing is in flight, ready or unwritten here, and MySQL (the truth) has no unfinished task left. */
  private async maybeFinish(): Promise<void> {
    if (this.ledger.size > 0 || this.ready.length > 0 || !this.ready.allRead) return;
    if (!this.lifecycle.beginFinishing()) return;
    try {
      await this.writes.drained();
      const counts = await this.deps.store.counts(this.instanceId);
      if (this.lifecycle.ended || this.ledger.size > 0 || this.ready.length > 0 || this.results.size > 0) return;
      this.progress.replace(counts);
      if (counts.running > 0) {
        // Broadcast rows marked DISPATCHED whose message was lost (or rows of an older version): dispatch them again.
        await this.writes.run(() => this.deps.store.resetInFlight(this.instanceId, Date.now()));
        this.progress.replace(await this.deps.store.counts(this.instanceId));
      }
      if (this.progress.counts.waiting > 0) {
        // Waiting rows nobody read (committed below the cursor by a map that did not announce them): read them all.
        this.ready.restart();
        if (this.fleet.eligible().length > 0) setImmediate(() => this.kick());
        return;
      }
      await this.complete();
    } finally {
      this.lifecycle.finishingDone();
    }
  }

  /** Every task finished: the finisher decides the outcome (reduce / postProcess run here, exactly once). */
  private async complete(): Promise<void> {
    this.stopTimer();
    this.lifecycle.end();
    const counts = this.progress.snapshot();
    this.progress.reportIfChanged();
    this.resolveOutcome(await this.finisher.finish(counts));
  }

  /** Stop or time limit: the ProcessorTrackers abort, the rows end FAILED. Shutdown: left for a takeover. */
  private async onAbort(): Promise<void> {
    if (!this.lifecycle.end()) return;
    this.stopTimer();
    const reason = this.run.signal.reason instanceof Error ? this.run.signal.reason.message : 'aborted';
    const kind = this.run.abortKind;
    if (kind === 'stop' || kind === 'time-limit') {
      const workers = new Set([...this.ledger.workers(), ...this.fleet.eligible().map((w) => w.workerId)]);
      await Promise.all(
        [...workers].map((w) =>
          this.deps
            .send(w, { kind: 'StopTasks', instanceId: this.instanceId, reason })
            .catch((err: unknown) =>
              this.logger.warn(
                `instance ${this.instanceId}: StopTasks to ${w} failed (its subtasks' results will be dropped): ${errorMessage(err)}`,
              ),
            ),
        ),
      );
      // After the results already acknowledged are stored: they finished before the stop.
      await this.writes
        .run(() => this.deps.store.failUnfinished(this.instanceId, reason, Date.now()))
        .catch((err: unknown) =>
          this.logger.error(`instance ${this.instanceId}: ending its task rows failed: ${errorMessage(err)}`),
        );
    }
    this.resolveOutcome({ status: InstanceStatus.FAILED, result: reason });
  }

  private fail(err: unknown): void {
    if (!this.lifecycle.end()) return;
    this.stopTimer();
    const message = errorMessage(err);
    this.logger.error(`instance ${this.instanceId}: TaskTracker failed: ${message}`);
    this.resolveOutcome({ status: InstanceStatus.FAILED, result: `TaskTracker failed: ${message}` });
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
