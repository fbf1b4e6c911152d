import { Logger } from '@nestjs/common';
import {
  ExecuteType,
  InstanceStatus,
  selectWorkers,
  TaskStatus,
  type TaskCounts,
  type TaskResultsCommand,
  type TasksReceivedCommand,
  type WorkerCommand,
  type WorkerState,
} from '@jobnest/common';
import type { WorkerDirectory } from '../cluster/worker-directory';
import { ROOT_TASK_NAME } from '../constants';
import type { TaskOutcomeRow, TaskStore, WaitingTask } from '../database/task-store';
import type { LogShipper } from '../logs/log-shipper';
import type {
  BasicProcessor,
  BroadcastProcessor,
  MapReduceProcessor,
  ProcessResult,
  TaskContext,
} from '../processor/processor.interfaces';
import type { StatusReporter } from '../reporting/status-reporter';
import type { InstanceOutcome } from './instance-executor';
import type { InstanceRun } from './instance-run';
import { runAttempt } from './standalone-executor';
import { StoredTaskResults } from './stored-task-results';
import { createTaskContext } from './task-context';

/** Subtasks per RunTasks message (DESIGN §4: batches of 100+ items per BullMQ job). */
const TASKS_PER_MESSAGE = 200;
/** Rows read per dispatch round. */
const FETCH_LIMIT = 2000;
/** A dispatched batch not acknowledged within this goes to another worker. */
const ACK_TIMEOUT_MS = 10_000;
/** Without any eligible worker for this long, the instance fails. */
const NO_WORKER_TIMEOUT_MS = 30_000;
const TICK_MS = 1000;
/** Subtasks sent to one worker and not finished yet, at most (or 4 x concurrency when larger): large enough to keep
 * a worker busy between two dispatch rounds, small enough that workers joining later still get a share. */
const WINDOW_PER_WORKER = 400;
const BROADCAST_TASK_NAME = 'BROADCAST_TASK';
const REDUCE_TASK_NAME = 'REDUCE_TASK';

interface InFlight {
  workerId: string;
  attempt: number;
  failures: number;
  dispatchedAt: number;
  acked: boolean;
}

/** What the coordinator needs from the worker around it. */
export interface DistributedRunDeps {
  workerId: string;
  processor: BasicProcessor;
  store: TaskStore;
  directory: WorkerDirectory;
  logs: LogShipper;
  reporter: StatusReporter;
  send(workerId: string, command: WorkerCommand): Promise<void>;
}

/**
 * The TaskTracker of one Map / MapReduce / Broadcast run. MySQL's task table is the state; memory holds only the
 * tasks in flight. Dispatch is event-driven (new subtasks, results freeing capacity, new workers) and reads
 * waiting rows straight from the status index; results are applied one batch per UPDATE. Resumes a run whose
 * previous TaskTracker died: finished tasks stay finished, in-flight ones are dispatched again.
 */
export class DistributedRun {
  private readonly logger = new Logger('JobnestWorker');
  private readonly inflight = new Map<number, InFlight>();
  private readonly perWorker = new Map<string, number>();
  private counts: TaskCounts = { total: 0, waiting: 0, running: 0, succeeded: 0, failed: 0 };
  private lastReported = '';
  private ended = false;
  private finishing = false;
  private pumping = false;
  private pumpAgain = false;
  private noWorkerSince: number | undefined;
  /** Every write of this run to the task table, one after the other (they would otherwise deadlock each other). */
  private writes: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private resolveOutcome!: (outcome: InstanceOutcome) => void;
  private readonly outcome = new Promise<InstanceOutcome>((resolve) => (this.resolveOutcome = resolve));

  constructor(
    private readonly run: InstanceRun,
    private readonly deps: DistributedRunDeps,
  ) {}

  private get command() {
    return this.run.command;
  }

  private get instanceId(): number {
    return this.run.instanceId;
  }

  private get isBroadcast(): boolean {
    return this.command.executeType === ExecuteType.BROADCAST;
  }

  /** Sets the run up (fresh or resumed) and resolves with its outcome once every task finished. */
  async execute(): Promise<InstanceOutcome> {
    const { store } = this.deps;
    const now = Date.now();
    // Listening first: a stop that arrives while the run is being set up must still end it.
    this.run.signal.addEventListener('abort', () => void this.onAbort(), { once: true });
    if (this.command.resume) {
      if (this.isBroadcast) await store.failInFlight(this.instanceId, 'its TaskTracker died while it ran', now);
      else await store.resetInFlight(this.instanceId, now);
      this.logger.log(`instance ${this.instanceId} run ${this.command.runningTimes}: resuming from the task table`);
    } else {
      await store.deleteInstance(this.instanceId);
    }
    this.counts = await store.counts(this.instanceId);
    if (this.counts.total === 0) {
      const early = this.isBroadcast ? await this.startBroadcast(now) : await this.startRoot(now);
      if (early) return early;
    }
    if (this.ended) {
      // Stopped during the set-up: rows it created after the stop are ended too (a shutdown leaves them for a takeover).
      const kind = this.run.abortKind;
      if (kind === 'stop' || kind === 'time-limit') await store.failUnfinished(this.instanceId, 'stopped while starting', Date.now());
      return this.outcome;
    }
    this.reportProgress();
    this.timer = setInterval(() => this.onTick(), TICK_MS);
    this.kick();
    return this.outcome;
  }

  onReceived(command: TasksReceivedCommand): void {
    for (const t of command.tasks) {
      const f = this.inflight.get(t.taskId);
      if (f && f.attempt === t.attempt) f.acked = true;
    }
  }

  onSubtasksCreated(count: number): void {
    this.counts.total += count;
    this.counts.waiting += count;
    this.kick();
  }

  /** Results are applied one batch after the other (in arrival order), each batch in one UPDATE. */
  onResults(command: TaskResultsCommand): Promise<void> {
    return this.serial(() => this.applyResults(command)).catch((err: unknown) => this.fail(err));
  }

  /** Runs `write` after every write queued before it. */
  private serial<T>(write: () => Promise<T>): Promise<T> {
    const done = this.writes.then(write);
    this.writes = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  private async startRoot(now: number): Promise<undefined> {
    await this.deps.store.insertRoot(this.instanceId, ROOT_TASK_NAME, now);
    this.counts = await this.deps.store.counts(this.instanceId);
    return undefined;
  }

  /** preProcess here, then one task per eligible worker, each bound to its worker. */
  private async startBroadcast(now: number): Promise<InstanceOutcome | undefined> {
    const processor = this.deps.processor as BroadcastProcessor;
    if (typeof processor.preProcess === 'function') {
      const pre = await runAttempt(processor, this.rootContext('PRE_PROCESS_TASK'), this.command.processor, (ctx) =>
        processor.preProcess!(ctx),
      );
      if (pre.status !== InstanceStatus.SUCCEEDED) return { status: InstanceStatus.FAILED, result: `preProcess failed: ${pre.result ?? ''}` };
    }
    const workers = this.eligibleWorkers();
    if (workers.length === 0) return { status: InstanceStatus.FAILED, result: 'no eligible worker to broadcast to' };
    const payloads = workers.map((w) => JSON.stringify({ workerId: w.workerId }));
    await this.deps.store.insertSubtasks(this.instanceId, null, 'broadcast', BROADCAST_TASK_NAME, payloads, now);
    this.counts = await this.deps.store.counts(this.instanceId);
    return undefined;
  }

  private kick(): void {
    this.pump().catch((err: unknown) => this.fail(err));
  }

  /** Dispatch rounds until no capacity or no waiting task is left; then checks whether the run is complete. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        if (this.ended) return;
        const dispatched = await this.dispatchRound();
        if (dispatched > 0) this.pumpAgain = true;
      } while (this.pumpAgain && !this.ended);
    } finally {
      this.pumping = false;
    }
    await this.maybeFinish();
  }

  /** One round: free capacity per worker, that many waiting rows, one UPDATE and a few messages per worker. */
  private async dispatchRound(): Promise<number> {
    const workers = this.eligibleWorkers();
    if (workers.length === 0) {
      this.noWorkerSince ??= Date.now();
      return 0;
    }
    this.noWorkerSince = undefined;
    const window = Math.max(this.command.concurrency * 4, WINDOW_PER_WORKER);
    const free = new Map<string, number>();
    for (const w of workers) {
      const room = window - (this.perWorker.get(w.workerId) ?? 0);
      if (room > 0) free.set(w.workerId, room);
    }
    const capacity = [...free.values()].reduce((a, b) => a + b, 0);
    if (capacity === 0) return 0;
    const rows = await this.deps.store.fetchWaiting(this.instanceId, Math.min(capacity, FETCH_LIMIT));
    if (rows.length === 0 || this.ended) return 0;
    const batches = this.isBroadcast ? await this.assignBroadcast(rows, free) : assignByCapacity(rows, free);
    let dispatched = 0;
    for (const [workerId, batch] of batches) dispatched += await this.dispatchTo(workerId, batch);
    return dispatched;
  }

  private async dispatchTo(workerId: string, batch: WaitingTask[]): Promise<number> {
    if (batch.length === 0) return 0;
    const now = Date.now();
    await this.serial(() => this.deps.store.markDispatched(this.instanceId, batch.map((t) => t.id), workerId, now));
    for (const t of batch) {
      this.inflight.set(t.id, { workerId, attempt: t.attempt + 1, failures: t.failures, dispatchedAt: now, acked: false });
    }
    this.perWorker.set(workerId, (this.perWorker.get(workerId) ?? 0) + batch.length);
    this.counts.waiting -= batch.length;
    this.counts.running += batch.length;
    const c = this.command;
    for (let i = 0; i < batch.length; i += TASKS_PER_MESSAGE) {
      await this.deps.send(workerId, {
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
        tasks: batch.slice(i, i + TASKS_PER_MESSAGE).map((t) => ({
          taskId: t.id,
          taskName: t.taskName,
          payload: t.payload,
          attempt: t.attempt + 1,
          failures: t.failures,
          isRoot: t.isRoot,
        })),
      });
    }
    return batch.length;
  }

  /** Broadcast tasks go to their own worker only; a task whose worker is gone fails (it must not run elsewhere). */
  private async assignBroadcast(rows: WaitingTask[], free: Map<string, number>): Promise<Map<string, WaitingTask[]>> {
    const batches = new Map<string, WaitingTask[]>();
    const orphans: number[] = [];
    for (const row of rows) {
      const target = (JSON.parse(row.payload ?? '{}') as { workerId?: string }).workerId ?? '';
      if (free.has(target)) batches.set(target, [...(batches.get(target) ?? []), row]);
      else if (!this.deps.directory.isAlive(target, this.command.workerTimeoutMs)) orphans.push(row.id);
    }
    if (orphans.length > 0) {
      await this.serial(() => this.deps.store.fail(this.instanceId, orphans, 'its worker left before the broadcast reached it', Date.now()));
      this.counts.waiting -= orphans.length;
      this.counts.failed += orphans.length;
    }
    return batches;
  }

  private async applyResults(command: TaskResultsCommand): Promise<void> {
    if (this.ended) return;
    const rows: TaskOutcomeRow[] = [];
    for (const r of command.results) {
      const f = this.inflight.get(r.taskId);
      if (!f || f.attempt !== r.attempt) continue; // an older dispatch of a task that was sent again
      this.forget(r.taskId, f);
      this.counts.running--;
      if (r.success) {
        rows.push({ id: r.taskId, status: TaskStatus.SUCCEEDED, result: r.result, failed: false });
        this.counts.succeeded++;
      } else if (f.failures + 1 <= this.command.taskRetries) {
        rows.push({ id: r.taskId, status: TaskStatus.WAITING_DISPATCH, result: r.result, failed: true });
        this.counts.waiting++;
      } else {
        rows.push({ id: r.taskId, status: TaskStatus.FAILED, result: r.result, failed: true });
        this.counts.failed++;
      }
    }
    if (rows.length === 0) return;
    await this.deps.store.applyOutcomes(this.instanceId, rows, Date.now());
    this.kick();
  }

  private forget(taskId: number, f: InFlight): void {
    this.inflight.delete(taskId);
    const left = (this.perWorker.get(f.workerId) ?? 1) - 1;
    if (left > 0) this.perWorker.set(f.workerId, left);
    else this.perWorker.delete(f.workerId);
  }

  /** Dead workers and unacknowledged batches lose their tasks (re-dispatched, or failed for broadcast). */
  private onTick(): void {
    if (this.ended) return;
    const now = Date.now();
    const lost: number[] = [];
    const deadWorkers = new Set<string>();
    for (const [taskId, f] of this.inflight) {
      const dead = !this.deps.directory.isAlive(f.workerId, this.command.workerTimeoutMs);
      if (dead) deadWorkers.add(f.workerId);
      if (dead || (!f.acked && now - f.dispatchedAt > ACK_TIMEOUT_MS)) lost.push(taskId);
    }
    if (lost.length > 0) this.serial(() => this.recover(lost, deadWorkers)).catch((err: unknown) => this.fail(err));
    if (this.noWorkerSince !== undefined && now - this.noWorkerSince > NO_WORKER_TIMEOUT_MS) {
      this.fail(new Error(`no eligible worker for the subtasks for ${NO_WORKER_TIMEOUT_MS / 1000} s`));
      return;
    }
    this.reportProgress();
    this.kick(); // workers that joined get their share
  }

  private async recover(ids: number[], deadWorkers: Set<string>): Promise<void> {
    const still = ids.filter((id) => this.inflight.has(id));
    if (still.length === 0 || this.ended) return;
    for (const id of still) this.forget(id, this.inflight.get(id)!);
    this.counts.running -= still.length;
    const now = Date.now();
    const why = deadWorkers.size > 0 ? `worker(s) ${[...deadWorkers].join(', ')} stopped heartbeating` : 'not acknowledged in time';
    if (this.isBroadcast) {
      await this.deps.store.fail(this.instanceId, still, `lost: ${why}`, now);
      this.counts.failed += still.length;
    } else {
      await this.deps.store.requeue(this.instanceId, still, now);
      this.counts.waiting += still.length;
    }
    this.logger.warn(`instance ${this.instanceId}: ${still.length} subtask(s) ${this.isBroadcast ? 'failed' : 're-dispatched'}: ${why}`);
    this.kick();
  }

  /** Complete when nothing is in flight and MySQL (the truth) has no waiting or dispatched task left. */
  private async maybeFinish(): Promise<void> {
    if (this.ended || this.finishing || this.pumping || this.inflight.size > 0) return;
    this.finishing = true;
    try {
      await this.writes;
      const counts = await this.deps.store.counts(this.instanceId);
      if (this.ended || this.inflight.size > 0) return;
      this.counts = counts;
      if (counts.running > 0) {
        // Rows dispatched but unknown here (a message lost between UPDATE and send): dispatch them again.
        await this.serial(() => this.deps.store.resetInFlight(this.instanceId, Date.now()));
        this.counts = await this.deps.store.counts(this.instanceId);
      }
      if (this.counts.waiting > 0) {
        if (this.eligibleWorkers().length > 0) setImmediate(() => this.kick());
        return;
      }
      await this.complete();
    } finally {
      this.finishing = false;
    }
  }

  /** Every task finished: the outcome of the execute type (reduce / postProcess run here, exactly once). */
  private async complete(): Promise<void> {
    this.stopTimer();
    this.ended = true;
    const counts = { ...this.counts };
    this.reportProgress();
    const summary = JSON.stringify({ total: counts.total, succeeded: counts.succeeded, failed: counts.failed });
    const noFailure: InstanceOutcome = {
      status: counts.failed === 0 ? InstanceStatus.SUCCEEDED : InstanceStatus.FAILED,
      result: summary,
    };
    const { processor } = this.deps;
    const results = new StoredTaskResults(this.deps.store, this.instanceId);
    let outcome = noFailure;
    if (this.command.executeType === ExecuteType.MAP_REDUCE) {
      const reducer = processor as Partial<MapReduceProcessor>;
      outcome =
        typeof reducer.reduce !== 'function'
          ? { status: InstanceStatus.FAILED, result: `processor '${this.command.processor}' has no reduce(ctx, results) method` }
          : await runAttempt(processor, this.rootContext(REDUCE_TASK_NAME), this.command.processor, (ctx) =>
              reducer.reduce!(ctx, results) as Promise<ProcessResult>,
            );
    } else if (this.isBroadcast && typeof (processor as BroadcastProcessor).postProcess === 'function') {
      outcome = await runAttempt(processor, this.rootContext('POST_PROCESS_TASK'), this.command.processor, (ctx) =>
        (processor as BroadcastProcessor).postProcess!(ctx, results),
      );
    }
    this.resolveOutcome({ ...outcome, tasks: counts });
  }

  /** Stop or time limit: the ProcessorTrackers abort, the rows end FAILED. Shutdown: left for a takeover. */
  private async onAbort(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stopTimer();
    const reason = this.run.signal.reason instanceof Error ? this.run.signal.reason.message : 'aborted';
    const kind = this.run.abortKind;
    if (kind === 'stop' || kind === 'time-limit') {
      const workers = new Set([...this.perWorker.keys(), ...this.eligibleWorkers().map((w) => w.workerId)]);
      await Promise.all([...workers].map((w) => this.deps.send(w, { kind: 'StopTasks', instanceId: this.instanceId, reason })));
      await this.deps.store.failUnfinished(this.instanceId, reason, Date.now()).catch((err: unknown) =>
        this.logger.error(`instance ${this.instanceId}: ending its task rows failed: ${String(err)}`),
      );
    }
    this.resolveOutcome({ status: InstanceStatus.FAILED, result: reason });
  }

  private fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimer();
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error(`instance ${this.instanceId}: TaskTracker failed: ${message}`);
    this.resolveOutcome({ status: InstanceStatus.FAILED, result: `TaskTracker failed: ${message}` });
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private eligibleWorkers(): WorkerState[] {
    const live = this.deps.directory.liveWorkers(this.command.workerTimeoutMs);
    return selectWorkers(live, { processor: this.command.processor, ...this.command.placement }, Math.random, {
      ignoreOverload: true,
    }).workers;
  }

  private reportProgress(): void {
    const snapshot = JSON.stringify(this.counts);
    if (snapshot === this.lastReported) return;
    this.lastReported = snapshot;
    this.deps.reporter.reportRunning(this.instanceId, this.command.runningTimes, { ...this.counts });
  }

  private rootContext(taskName: string): TaskContext {
    const c = this.command;
    return createTaskContext(
      {
        jobId: c.jobId,
        instanceId: c.instanceId,
        taskId: '0',
        taskName,
        subtask: null,
        isRoot: true,
        jobParams: c.jobParams,
        instanceParams: c.instanceParams,
        attempt: 1,
        taskRetries: c.taskRetries,
        runningTimes: c.runningTimes,
        workerId: this.deps.workerId,
        signal: this.run.signal,
        mapUnavailableReason: `${taskName} runs after the subtasks`,
      },
      this.deps.logs,
    );
  }
}

/** Spreads rows over the workers by free capacity, filling the freest first. */
function assignByCapacity(rows: WaitingTask[], free: Map<string, number>): Map<string, WaitingTask[]> {
  const batches = new Map<string, WaitingTask[]>();
  const room = new Map(free);
  for (const row of rows) {
    let best: string | undefined;
    let bestRoom = 0;
    for (const [w, r] of room) {
      if (r > bestRoom) {
        best = w;
        bestRoom = r;
      }
    }
    if (!best) break;
    room.set(best, bestRoom - 1);
    const batch = batches.get(best);
    if (batch) batch.push(row);
    else batches.set(best, [row]);
  }
  return batches;
}
