import { Logger } from '@nestjs/common';
import {
  errorMessage,
  ExecuteType,
  InstanceStatus,
  selectWorkers,
  type TaskAssignment,
  type TaskCounts,
  type TaskResultsCommand,
  type TasksHeldCommand,
  type TasksReceivedCommand,
  TaskStatus,
  type WorkerCommand,
  type WorkerState,
} from '@jobnest/common';
import type { WorkerDirectory } from '../cluster/worker-directory';
import { ROOT_TASK_NAME } from '../constants';
import type { TaskOutcomeRow, TaskStore, WaitingTask } from '@jobnest/persistence';
import type { LogShipper } from '../logs/log-shipper';
import { createTaskLogger } from '../logs/task-logger';
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
import { outcomeRounds, type UnwrittenResults } from './outcome-rounds';
import { WaitingRowCursor } from './waiting-row-cursor';

/** Subtasks per RunTasks message: one BullMQ job per item would cap dispatch at BullMQ's own job rate. */
const TASKS_PER_MESSAGE = 200;
/** Waiting rows read per scan of the task table; the next scan starts when fewer than SCAN_LOW_WATER are left. */
const SCAN_LIMIT = 2000;
const SCAN_LOW_WATER = 1000;
/** Results queued for their UPDATE, at most: dispatch pauses above this, so MySQL sets the pace. */
const MAX_UNWRITTEN_RESULTS = 5000;
/** Result rows per CASE UPDATE (the CASE is matched row by row, so larger statements cost more per row). */
const RESULTS_PER_STATEMENT = 500;
/** A dispatched batch not acknowledged within this goes to another worker. */
const ACK_TIMEOUT_MS = 10_000;
/**
 * A takeover waits this long at most for the live workers to say what they hold of the instance (AdoptTasks) before
 * it dispatches; live workers answer in milliseconds, so this only matters when one dies meanwhile.
 */
const ADOPT_WAIT_MS = 3000;
/** Without any eligible worker for this long, the instance fails. */
const NO_WORKER_TIMEOUT_MS = 30_000;
const TICK_MS = 1000;
/** Subtasks sent to one worker and not finished yet, at most (or 4 x concurrency when larger): large enough to keep
 * a worker busy between two dispatch rounds, small enough that workers joining later still get a share. */
const WINDOW_PER_WORKER = 400;
const BROADCAST_TASK_NAME = 'BROADCAST_TASK';
const REDUCE_TASK_NAME = 'REDUCE_TASK';

interface InFlight {
  task: WaitingTask;
  workerId: string;
  /** Dispatch generation sent as the task's `attempt`; a result of another generation is dropped. */
  generation: number;
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
 * The TaskTracker of one Map / MapReduce / Broadcast run. MySQL's task table holds every task and every result;
 * memory holds what is in flight. A subtask's row is written twice: when ctx.map() inserts it and when its result
 * is stored. In between it reads WAITING_DISPATCH in MySQL, and this class knows it is in flight.
 *
 * Dispatch reads waiting rows from a cursor on the id (a range of the status index) into a ready queue, and sends
 * from that queue as results free capacity; results are acknowledged in memory at once and stored in coalesced
 * UPDATEs behind it. Concurrent maps can commit below the cursor: SubtasksCreated moves it back, and completion
 * is only declared once MySQL shows no waiting row. A resumed run (its previous TaskTracker died) reads from id 0:
 * finished tasks stay finished, the ones that were in flight run again.
 */
export class DistributedRun {
  private readonly logger = new Logger('JobnestWorker');
  private readonly inflight = new Map<number, InFlight>();
  private readonly perWorker = new Map<string, number>();
  /** Waiting tasks read from MySQL and not sent yet, in id order (retries and lost tasks go first). */
  private ready: WaitingTask[] = [];
  private readonly readyIds = new Set<number>();
  /** Where the next read of waiting rows starts. */
  private readonly cursor = new WaitingRowCursor();
  /** Results acknowledged here whose UPDATE has not committed (MySQL still reads them as waiting). */
  private unwritten: UnwrittenResults[] = [];
  /** Task id -> results of it unwritten (a retried task can have two). */
  private readonly unwrittenIds = new Map<number, number>();
  /** Per worker, the `seq` of its TaskResults stored through; told back with the next RunTasks to it. */
  private readonly storedSeq = new Map<string, number>();
  /** The queued UPDATE of `unwritten`, until it starts. */
  private resultsWrite: Promise<void> | undefined;
  /** Last dispatch generation; starts at the clock so a later TaskTracker on the same worker id never reuses one. */
  private generation = Date.now();
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
  /** Workers asked what they hold (takeover) that have not answered yet, and what runs once all have. */
  private adoptionPending = new Set<string>();
  /** Set while a takeover gathers the answers (see adoptHeldTasks). */
  private adoptionDone: (() => void) | undefined;
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
      this.counts = await store.counts(this.instanceId);
      // Before the first dispatch: what the workers still run or finished for the previous TaskTracker is adopted,
      // not run again (broadcast tasks in flight were failed above: they must not run twice on one host).
      if (!this.isBroadcast && this.counts.waiting > 0) await this.adoptHeldTasks();
    } else {
      await store.deleteInstance(this.instanceId);
    }
    if (!this.command.resume) this.counts = await store.counts(this.instanceId);
    if (this.counts.total === 0) {
      const early = this.isBroadcast ? await this.startBroadcast(now) : await this.startRoot(now);
      if (early) return early;
    }
    if (this.ended) {
      // Stopped during the set-up: rows it created after the stop are ended too (a shutdown leaves them for a takeover).
      const kind = this.run.abortKind;
      if (kind === 'stop' || kind === 'time-limit')
        await store.failUnfinished(this.instanceId, 'stopped while starting', Date.now());
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
      if (f && f.generation === t.attempt) f.acked = true;
    }
  }

  /** Asks every live worker of the app what it holds of the instance, and waits for the answers (at most ADOPT_WAIT_MS). */
  private async adoptHeldTasks(): Promise<void> {
    const workers = this.deps.directory.liveWorkers(this.command.workerTimeoutMs).map((w) => w.workerId);
    if (!workers.includes(this.deps.workerId)) workers.push(this.deps.workerId);
    this.adoptionPending = new Set(workers);
    const answered = new Promise<void>((resolve) => (this.adoptionDone = resolve));
    await Promise.all(
      workers.map((w) =>
        this.deps
          .send(w, {
            kind: 'AdoptTasks',
            instanceId: this.instanceId,
            runningTimes: this.command.runningTimes,
            trackerWorkerId: this.deps.workerId,
          })
          .catch((err: unknown) => {
            this.logger.warn(
              `instance ${this.instanceId}: asking ${w} for its subtasks failed (they may run again): ${String(err)}`,
            );
            this.onAdoptionAnswer(w);
          }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([answered, new Promise<void>((resolve) => (timer = setTimeout(resolve, ADOPT_WAIT_MS)))]);
    clearTimeout(timer);
    if (this.adoptionPending.size > 0) {
      this.logger.warn(
        `instance ${this.instanceId}: no answer from ${[...this.adoptionPending].join(', ')} within ${ADOPT_WAIT_MS} ms; what they hold may run again`,
      );
    }
    this.adoptionPending.clear();
    this.adoptionDone = undefined;
  }

  private onAdoptionAnswer(workerId: string): void {
    this.adoptionPending.delete(workerId);
    if (this.adoptionPending.size === 0) this.adoptionDone?.();
  }

  /**
   * A worker's answer to AdoptTasks: its subtasks of this instance become in flight here (they run on, and their
   * results come with their own dispatch generation), and its finished ones are applied as results. Only rows still
   * unfinished in MySQL are taken: the others' results were stored by the previous TaskTracker.
   */
  async onTasksHeld(command: TasksHeldCommand): Promise<void> {
    try {
      if (this.ended) return;
      const held = [...command.tasks, ...command.finished.map((f) => f.task)];
      // Adopted before the first await: the worker sends these tasks' results right behind its answer.
      const candidates = held.filter((t) => !this.inflight.has(t.taskId) && !this.unwrittenIds.has(t.taskId));
      for (const t of candidates) this.adopt(t, command.workerId);
      const unfinished = await this.deps.store.unfinishedIds(
        this.instanceId,
        candidates.map((t) => t.taskId),
      );
      const stillHeld = (t: TaskAssignment) => this.inflight.get(t.taskId)?.generation === t.attempt;
      for (const t of candidates) {
        if (unfinished.has(t.taskId) || !stillHeld(t)) continue;
        // Stored by the previous TaskTracker already: nothing to adopt.
        this.forget(t.taskId, this.inflight.get(t.taskId)!);
        this.counts.running--;
        this.counts.waiting++;
      }
      const taken = new Set(candidates);
      const adopted = (t: TaskAssignment) => taken.has(t) && unfinished.has(t.taskId) && stillHeld(t);
      const results = command.finished
        .filter((f) => adopted(f.task))
        .map((f) => ({ taskId: f.task.taskId, attempt: f.task.attempt, success: f.success, result: f.result }));
      const running = command.tasks.filter(adopted).length;
      if (running + results.length > 0) {
        this.logger.log(
          `instance ${this.instanceId}: adopted ${running} running and ${results.length} finished subtask(s) from ${command.workerId}`,
        );
      }
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
      this.onAdoptionAnswer(command.workerId);
    }
  }

  /** A subtask the previous TaskTracker dispatched, now in flight here with the generation it was sent with. */
  private adopt(t: TaskAssignment, workerId: string): void {
    if (this.readyIds.delete(t.taskId)) this.ready = this.ready.filter((r) => r.id !== t.taskId);
    const task: WaitingTask = {
      id: t.taskId,
      taskName: t.taskName,
      payload: t.payload,
      failures: t.failures,
      isRoot: t.isRoot,
    };
    this.inflight.set(t.taskId, { task, workerId, generation: t.attempt, dispatchedAt: Date.now(), acked: true });
    this.perWorker.set(workerId, (this.perWorker.get(workerId) ?? 0) + 1);
    this.counts.waiting--;
    this.counts.running++;
  }

  /** `firstTaskId`: where the new rows start; when already read past, the next scan goes back there. */
  onSubtasksCreated(count: number, firstTaskId: number): void {
    this.counts.total += count;
    this.counts.waiting += count;
    this.cursor.announce(firstTaskId);
    this.kick();
  }

  /**
   * Frees the capacity at once (the next subtasks go out now) and stores the results behind it, coalesced with
   * the other results that arrive meanwhile. Resolves once they are stored.
   */
  onResults(command: TaskResultsCommand): Promise<void> {
    if (this.ended) return Promise.resolve();
    const rows: TaskOutcomeRow[] = [];
    const retries: WaitingTask[] = [];
    for (const r of command.results) {
      const f = this.inflight.get(r.taskId);
      if (!f || f.generation !== r.attempt) continue; // an older dispatch of a task that was sent again
      this.forget(r.taskId, f);
      this.counts.running--;
      if (r.success) {
        rows.push({ id: r.taskId, status: TaskStatus.SUCCEEDED, result: r.result, failures: f.task.failures });
        this.counts.succeeded++;
      } else if (f.task.failures + 1 <= this.command.taskRetries) {
        rows.push({
          id: r.taskId,
          status: TaskStatus.WAITING_DISPATCH,
          result: r.result,
          failures: f.task.failures + 1,
        });
        retries.push({ ...f.task, failures: f.task.failures + 1 });
        this.counts.waiting++;
      } else {
        rows.push({ id: r.taskId, status: TaskStatus.FAILED, result: r.result, failures: f.task.failures + 1 });
        this.counts.failed++;
      }
    }
    if (rows.length === 0) return Promise.resolve();
    for (const row of rows) this.unwrittenIds.set(row.id, (this.unwrittenIds.get(row.id) ?? 0) + 1);
    this.unwritten.push({ workerId: command.workerId, rows, seq: command.seq });
    this.requeue(retries);
    this.kick();
    return this.writeResults().catch((err: unknown) => this.fail(err));
  }

  /**
   * One queued write takes every result unwritten when it starts (group commit), RESULTS_PER_STATEMENT per UPDATE.
   * A task can have two results in it (a retry that already came back): each goes in a later round than the one
   * before it, since one CASE statement can apply only one outcome per row.
   */
  private writeResults(): Promise<void> {
    this.resultsWrite ??= this.serial(async () => {
      this.resultsWrite = undefined; // results from now on need the next write
      const batches = this.unwritten;
      this.unwritten = [];
      const now = Date.now();
      for (const round of outcomeRounds(batches)) {
        for (const [workerId, rows] of round) {
          for (let i = 0; i < rows.length; i += RESULTS_PER_STATEMENT) {
            await this.deps.store.applyOutcomes(
              this.instanceId,
              rows.slice(i, i + RESULTS_PER_STATEMENT),
              workerId,
              now,
            );
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
      this.kick(); // dispatch may have paused on MAX_UNWRITTEN_RESULTS, and completion waits for these rows
    });
    return this.resultsWrite;
  }

  /** Tasks that must run again go to the front of the ready queue (no write: MySQL reads them as waiting). */
  private requeue(tasks: WaitingTask[]): void {
    if (tasks.length === 0) return;
    for (const t of tasks) this.readyIds.add(t.id);
    this.ready = [...tasks, ...this.ready];
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
      if (pre.status !== InstanceStatus.SUCCEEDED)
        return { status: InstanceStatus.FAILED, result: `preProcess failed: ${pre.result ?? ''}` };
    }
    const workers = this.eligibleWorkers();
    if (workers.length === 0) return { status: InstanceStatus.FAILED, result: 'no eligible worker to broadcast to' };
    const payloads = workers.map((w) => JSON.stringify({ workerId: w.workerId }));
    await this.deps.store.insertSubtasks(this.instanceId, null, 'broadcast', BROADCAST_TASK_NAME, payloads, now);
    this.counts = await this.deps.store.counts(this.instanceId);
    return undefined;
  }

  private kick(): void {
    // While a takeover gathers what the workers hold, nothing is dispatched: a row read now may be running on a
    // worker whose answer has not been applied yet. execute() kicks once the answers are in.
    if (this.adoptionDone !== undefined) return;
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
        // Read ahead while the workers run what was just sent.
        const read = this.ready.length < SCAN_LOW_WATER && !this.cursor.done ? await this.scan() : 0;
        if (dispatched > 0 || read > 0) this.pumpAgain = true;
      } while (this.pumpAgain && !this.ended);
    } finally {
      this.pumping = false;
    }
    await this.maybeFinish();
  }

  /** Reads the next waiting rows after the cursor into the ready queue. Returns how many rows it read. */
  private async scan(): Promise<number> {
    const { after, rereads } = this.cursor.begin();
    const read = () => this.deps.store.fetchWaiting(this.instanceId, after, SCAN_LIMIT);
    // A result not stored yet reads as waiting: a read of rows read before waits for the writes queued ahead of it
    // (none can commit during it) and skips what is in flight or queued here.
    const rows = rereads ? await this.serial(read) : await read();
    if (this.ended) return 0;
    for (const row of rows) {
      if (this.inflight.has(row.id) || this.readyIds.has(row.id) || this.unwrittenIds.has(row.id)) continue;
      this.ready.push(row);
      this.readyIds.add(row.id);
    }
    this.cursor.end(after, rows.length, rows.at(-1)?.id ?? 0, SCAN_LIMIT);
    return rows.length;
  }

  /** One round: free capacity per worker, that many ready tasks, a few messages per worker (no SQL but broadcast). */
  private async dispatchRound(): Promise<number> {
    if (this.ready.length === 0) return 0;
    // A broadcast task was bound to a worker chosen at the start: it goes there while that worker lives, whatever
    // its metrics or rank are now (otherwise a worker that dropped out of the selection would hold the run forever).
    const workers = this.isBroadcast
      ? this.deps.directory.liveWorkers(this.command.workerTimeoutMs)
      : this.eligibleWorkers();
    if (workers.length === 0) {
      this.noWorkerSince ??= Date.now();
      return 0;
    }
    this.noWorkerSince = undefined;
    if (this.unwrittenIds.size >= MAX_UNWRITTEN_RESULTS) return 0;
    const window = Math.max(this.command.concurrency * 4, WINDOW_PER_WORKER);
    const free = new Map<string, number>();
    for (const w of workers) {
      const room = window - (this.perWorker.get(w.workerId) ?? 0);
      if (room > 0) free.set(w.workerId, room);
    }
    const capacity = [...free.values()].reduce((a, b) => a + b, 0);
    if (capacity === 0) return 0;
    const batches = this.isBroadcast ? await this.assignBroadcast(free) : this.assignByCapacity(capacity, free);
    const sent = await Promise.all([...batches].map(([workerId, batch]) => this.dispatchTo(workerId, batch)));
    return sent.reduce((a, b) => a + b, 0);
  }

  /** Takes up to `capacity` ready tasks and spreads them over the workers, filling the freest first. */
  private assignByCapacity(capacity: number, free: Map<string, number>): Map<string, WaitingTask[]> {
    const take = this.ready.splice(0, Math.min(capacity, this.ready.length));
    for (const t of take) this.readyIds.delete(t.id);
    return spreadByCapacity(take, free);
  }

  private async dispatchTo(workerId: string, batch: WaitingTask[]): Promise<number> {
    if (batch.length === 0) return 0;
    // Broadcast: marked before it is sent (and before the ack timeout starts), so a takeover knows it may have run.
    if (this.isBroadcast)
      await this.serial(() =>
        this.deps.store.markDispatched(
          this.instanceId,
          batch.map((t) => t.id),
          workerId,
          Date.now(),
        ),
      );
    const now = Date.now();
    const generation = ++this.generation;
    for (const task of batch)
      this.inflight.set(task.id, { task, workerId, generation, dispatchedAt: now, acked: false });
    this.perWorker.set(workerId, (this.perWorker.get(workerId) ?? 0) + batch.length);
    this.counts.waiting -= batch.length;
    this.counts.running += batch.length;
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
          resultsStoredThrough: this.storedSeq.get(workerId) ?? 0,
          tasks: batch.slice(i, i + TASKS_PER_MESSAGE).map((t) => ({
            taskId: t.id,
            taskName: t.taskName,
            payload: t.payload,
            attempt: generation,
            failures: t.failures,
            isRoot: t.isRoot,
          })),
        }),
      );
    }
    await Promise.all(messages);
    return batch.length;
  }

  /** Broadcast tasks go to their own worker only; a task whose worker is gone fails (it must not run elsewhere). */
  private async assignBroadcast(free: Map<string, number>): Promise<Map<string, WaitingTask[]>> {
    const batches = new Map<string, WaitingTask[]>();
    const orphans: number[] = [];
    const keep: WaitingTask[] = [];
    for (const row of this.ready) {
      const target = (JSON.parse(row.payload ?? '{}') as { workerId?: string }).workerId ?? '';
      if (free.has(target)) batches.set(target, [...(batches.get(target) ?? []), row]);
      else if (!this.deps.directory.isAlive(target, this.command.workerTimeoutMs)) orphans.push(row.id);
      else keep.push(row);
    }
    this.ready = keep;
    this.readyIds.clear();
    for (const row of keep) this.readyIds.add(row.id);
    if (orphans.length > 0) {
      await this.serial(() =>
        this.deps.store.fail(this.instanceId, orphans, 'its worker left before the broadcast reached it', Date.now()),
      );
      this.counts.waiting -= orphans.length;
      this.counts.failed += orphans.length;
    }
    return batches;
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
    const lost: InFlight[] = [];
    const deadWorkers = new Set<string>();
    for (const f of this.inflight.values()) {
      const dead = !this.deps.directory.isAlive(f.workerId, this.command.workerTimeoutMs);
      if (dead) deadWorkers.add(f.workerId);
      if (dead || (!f.acked && now - f.dispatchedAt > ACK_TIMEOUT_MS)) lost.push(f);
    }
    if (lost.length > 0) this.recover(lost, deadWorkers).catch((err: unknown) => this.fail(err));
    if (this.noWorkerSince !== undefined && now - this.noWorkerSince > NO_WORKER_TIMEOUT_MS) {
      this.fail(new Error(`no eligible worker for the subtasks for ${NO_WORKER_TIMEOUT_MS / 1000} s`));
      return;
    }
    this.reportProgress();
    this.kick(); // workers that joined get their share
  }

  /** Lost dispatches run again (Map / MapReduce, no write) or fail (broadcast: never twice on one host). */
  private async recover(lost: InFlight[], deadWorkers: Set<string>): Promise<void> {
    for (const f of lost) this.forget(f.task.id, f);
    this.counts.running -= lost.length;
    const why =
      deadWorkers.size > 0
        ? `worker(s) ${[...deadWorkers].join(', ')} stopped heartbeating`
        : 'not acknowledged in time';
    this.logger.warn(
      `instance ${this.instanceId}: ${lost.length} subtask(s) ${this.isBroadcast ? 'failed' : 're-dispatched'}: ${why}`,
    );
    if (this.isBroadcast) {
      this.counts.failed += lost.length;
      const ids = lost.map((f) => f.task.id);
      await this.serial(() => this.deps.store.fail(this.instanceId, ids, `lost: ${why}`, Date.now()));
    } else {
      this.requeue(lost.map((f) => f.task));
      this.counts.waiting += lost.length;
    }
    this.kick();
  }

  /** Complete when nothing is in flight, ready or unwritten here, and MySQL (the truth) has no unfinished task left. */
  private async maybeFinish(): Promise<void> {
    if (this.ended || this.finishing || this.pumping) return;
    if (this.inflight.size > 0 || this.ready.length > 0 || !this.cursor.done) return;
    this.finishing = true;
    try {
      await this.writes;
      const counts = await this.deps.store.counts(this.instanceId);
      if (this.ended || this.inflight.size > 0 || this.ready.length > 0 || this.unwrittenIds.size > 0) return;
      this.counts = counts;
      if (counts.running > 0) {
        // Broadcast rows marked DISPATCHED whose message was lost (or rows of an older version): dispatch them again.
        await this.serial(() => this.deps.store.resetInFlight(this.instanceId, Date.now()));
        this.counts = await this.deps.store.counts(this.instanceId);
      }
      if (this.counts.waiting > 0) {
        // Waiting rows nobody read (committed below the cursor by a map that did not announce them): read them all.
        this.cursor.restart();
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
          ? {
              status: InstanceStatus.FAILED,
              result: `processor '${this.command.processor}' has no reduce(ctx, results) method`,
            }
          : await runAttempt(
              processor,
              this.rootContext(REDUCE_TASK_NAME),
              this.command.processor,
              (ctx) => reducer.reduce!(ctx, results) as Promise<ProcessResult>,
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
      await Promise.all(
        [...workers].map((w) =>
          this.deps
            .send(w, { kind: 'StopTasks', instanceId: this.instanceId, reason })
            .catch((err: unknown) =>
              this.logger.warn(
                `instance ${this.instanceId}: StopTasks to ${w} failed (its subtasks' results will be dropped): ${String(err)}`,
              ),
            ),
        ),
      );
      // After the results already acknowledged are stored: they finished before the stop.
      await this.serial(() => this.deps.store.failUnfinished(this.instanceId, reason, Date.now())).catch(
        (err: unknown) => this.logger.error(`instance ${this.instanceId}: ending its task rows failed: ${String(err)}`),
      );
    }
    this.resolveOutcome({ status: InstanceStatus.FAILED, result: reason });
  }

  private fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimer();
    const message = errorMessage(err);
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
      createTaskLogger(c.instanceId, this.deps.logs),
    );
  }
}

/** Spreads rows over the workers by free capacity, filling the freest first. */
function spreadByCapacity(rows: WaitingTask[], free: Map<string, number>): Map<string, WaitingTask[]> {
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
