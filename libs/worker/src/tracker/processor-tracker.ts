import { ThrottledErrorLog } from '@jobnest/common';
import { Injectable, Logger } from '@nestjs/common';
import type {
  AdoptTasksCommand,
  HeldResult,
  RunTasksCommand,
  StopTasksCommand,
  SubtasksCreatedCommand,
  TaskAssignment,
  TaskResultsCommand,
  TasksHeldCommand,
} from '@jobnest/common';
import { WorkerDirectory } from '../cluster/worker-directory';
import { WorkerDatabase } from '../database/worker-database';
import { LogShipper } from '../logs/log-shipper';
import { createTaskLogger } from '../logs/task-logger';
import { WorkerConfig } from '../options/worker-config';
import { ProcessorRegistry } from '../processor/processor-registry';
import type { TaskLogger } from '../processor/processor.interfaces';
import { WorkerRedis } from '../redis/worker-redis';
import { runAttempt } from './standalone-executor';
import { createTaskContext, serialiseItems } from './task-context';

/** Results leave in batches: at this many, or after RESULT_FLUSH_MS, whichever comes first. */
const RESULT_BATCH = 500;
const RESULT_FLUSH_MS = 30;
/** A StopTasks is remembered this long, so subtasks of a stopped instance still queued in Redis are dropped. */
const STOPPED_MEMORY_MS = 10 * 60 * 1000;
const MAX_RESULT_LENGTH = 65_536;
/** Longest pause between two attempts to send a results message. */
const RESEND_MAX_DELAY_MS = 10_000;
/**
 * A delivered result is kept until its TaskTracker says it stored it (RunTasks.resultsStoredThrough, within a
 * dispatch round or two), or, when no more subtasks come to say so (the end of a run), until the TaskTracker has
 * heartbeated this long after the delivery. Until then a takeover gets it back (AdoptTasks), so a TaskTracker that
 * dies does not take the results of its last moments with it.
 */
const CONFIRM_AFTER_MS = 3000;
/** Results of a TaskTracker that never came back (and no takeover came either) are dropped after this long. */
const KEPT_MAX_MS = 10 * 60 * 1000;
/** How often kept results are checked against their TaskTracker's heartbeats, and idle slots dropped. */
const SWEEP_MS = 1000;

/** A subtask running here, with the AbortController it made if it read ctx.signal. */
interface RunningTask {
  task: TaskAssignment;
  controller: AbortController | undefined;
}

/** A result sent to the TaskTracker and not yet known to be stored. */
interface KeptResult {
  held: HeldResult;
  deliveredAt: number;
  /** The TaskResults message it went in. */
  seq: number;
}

/** The subtasks of one instance on this worker: a queue and the ones running, at most `concurrency` at once. */
class InstanceSlot {
  readonly queue: TaskAssignment[] = [];
  /**
   * The subtasks running now (by `taskId:attempt`: a task sent again after a lost acknowledgement can run twice
   * here), with the AbortController of each one that read ctx.signal. It is made on first use:
   * most subtasks never read it, and one per subtask costs more than a no-op subtask.
   */
  readonly running = new Map<string, RunningTask>();
  /** Finished, not sent yet. */
  results: HeldResult[] = [];
  /** Sent, not yet known to be stored by the TaskTracker (RunTasks.resultsStoredThrough, or CONFIRM_AFTER_MS). */
  kept: KeptResult[] = [];
  /** Number of the last TaskResults message sent for the instance from here. */
  seq = 0;
  /** An answer to AdoptTasks is on its way: results wait, so they reach the new TaskTracker after it. */
  answering = false;
  /** Result batches on their way to the TaskTracker (an answer to AdoptTasks takes them over). */
  readonly inTransit = new Set<HeldResult[]>();
  /** Set by a stop: running subtasks are aborted with it, signals asked for later start aborted. */
  stopReason: Error | undefined;
  /** ctx.logger of every subtask of the instance (it only knows the instance id). */
  readonly logger: TaskLogger;
  /** Result messages being sent (re-sent until delivered): the slot is not idle meanwhile. */
  sending = 0;
  flushTimer: NodeJS.Timeout | undefined;

  constructor(
    public command: RunTasksCommand,
    logs: LogShipper,
  ) {
    this.logger = createTaskLogger(command.instanceId, logs);
  }

  get idle(): boolean {
    return (
      this.queue.length === 0 &&
      this.running.size === 0 &&
      this.results.length === 0 &&
      this.sending === 0 &&
      this.kept.length === 0
    );
  }
}

/**
 * The ProcessorTracker: runs the subtasks TaskTrackers send to this worker, `concurrency` at a time per instance.
 * It acknowledges each batch on receipt, and sends results back in batches (one message per batch), never one
 * message per subtask. Tasks yield to the event loop between runs, so heartbeats leave on time.
 */
@Injectable()
export class ProcessorTracker {
  private readonly logger = new Logger('JobnestWorker');
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly slots = new Map<number, InstanceSlot>();
  private readonly stopped = new Map<number, number>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly registry: ProcessorRegistry,
    private readonly database: WorkerDatabase,
    private readonly redis: WorkerRedis,
    private readonly logs: LogShipper,
    private readonly directory: WorkerDirectory,
  ) {}

  /** Subtasks running or queued here (all instances). */
  get load(): number {
    let n = 0;
    for (const slot of this.slots.values()) n += slot.queue.length + slot.running.size;
    return n;
  }

  async receive(command: RunTasksCommand): Promise<void> {
    const stoppedAt = this.stopped.get(command.instanceId);
    if (stoppedAt !== undefined && Date.now() - stoppedAt < STOPPED_MEMORY_MS) return;
    // Acknowledged without waiting: the tasks start at once.
    void this.send(command.trackerWorkerId, {
      kind: 'TasksReceived',
      instanceId: command.instanceId,
      runningTimes: command.runningTimes,
      workerId: this.config.options.workerId,
      tasks: command.tasks.map((t) => ({ taskId: t.taskId, attempt: t.attempt })),
    });
    let slot = this.slots.get(command.instanceId);
    if (
      !slot ||
      slot.command.runningTimes !== command.runningTimes ||
      slot.command.trackerWorkerId !== command.trackerWorkerId
    ) {
      // A new run or a new TaskTracker (takeover): results go to the tracker that sent the latest batch.
      if (slot) slot.command = command;
      else {
        slot = new InstanceSlot(command, this.logs);
        this.slots.set(command.instanceId, slot);
        this.ensureSweeper();
      }
    }
    dropStored(slot.kept, command.resultsStoredThrough ?? 0);
    slot.queue.push(...command.tasks);
    this.drain(slot);
  }

  /** Aborts the instance's running subtasks and drops its queued ones. */
  stop(command: StopTasksCommand): void {
    this.stopped.set(command.instanceId, Date.now());
    for (const [id, at] of this.stopped) if (Date.now() - at > STOPPED_MEMORY_MS) this.stopped.delete(id);
    const slot = this.slots.get(command.instanceId);
    if (!slot) return;
    slot.queue.length = 0;
    slot.stopReason = new Error(`stopped: ${command.reason}`);
    for (const { controller } of slot.running.values()) controller?.abort(slot.stopReason);
    slot.results.length = 0;
    slot.kept.length = 0;
    if (slot.flushTimer) clearTimeout(slot.flushTimer);
    this.slots.delete(command.instanceId);
  }

  /** Shutdown: abort everything; the TaskTrackers re-dispatch what this worker did not finish. */
  abortAll(): void {
    for (const instanceId of [...this.slots.keys()])
      this.stop({ kind: 'StopTasks', instanceId, reason: 'worker shutting down' });
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /**
   * A takeover: the instance's new TaskTracker asks what this worker holds. It gets the subtasks running or queued
   * here (they go on, and report to it) and the results it may not have (finished since the last TaskTracker died,
   * or sent to it in its last moments), so none of them runs again. Answered even when nothing is held.
   */
  async adopt(command: AdoptTasksCommand): Promise<void> {
    const slot = this.slots.get(command.instanceId);
    const reply: TasksHeldCommand = {
      kind: 'TasksHeld',
      instanceId: command.instanceId,
      runningTimes: command.runningTimes,
      workerId: this.config.options.workerId,
      tasks: [],
      finished: [],
    };
    if (slot && !slot.stopReason && slot.command.runningTimes < command.runningTimes) {
      reply.tasks = [...[...slot.running.values()].map((r) => r.task), ...slot.queue];
      // Batches still on their way to the previous tracker are handed over too (flush() then leaves them be).
      reply.finished = [...slot.kept.map((k) => k.held), ...[...slot.inTransit].flat(), ...slot.results];
      slot.inTransit.clear();
      // They travel in the reply now; kept again until the new TaskTracker has been alive a while after it.
      const now = Date.now();
      const seq = ++slot.seq;
      slot.kept = reply.finished.map((held) => ({ held, deliveredAt: now, seq }));
      slot.results = [];
      slot.command = { ...slot.command, runningTimes: command.runningTimes, trackerWorkerId: command.trackerWorkerId };
      slot.answering = true;
      this.logger.log(
        `instance ${command.instanceId}: handing ${reply.tasks.length} running and ${reply.finished.length} finished subtask(s) to TaskTracker ${command.trackerWorkerId}`,
      );
    }
    try {
      await this.sendUntilQueued(
        () => command.trackerWorkerId,
        reply,
        () => true,
      );
    } finally {
      if (slot?.answering) {
        slot.answering = false;
        if (slot.results.length > 0) this.scheduleFlush(slot);
      }
    }
  }

  private drain(slot: InstanceSlot): void {
    while (slot.running.size < slot.command.concurrency && slot.queue.length > 0) {
      const task = slot.queue.shift()!;
      slot.running.set(runKey(task), { task, controller: undefined });
      void this.runTask(slot, task);
    }
  }

  private async runTask(slot: InstanceSlot, task: TaskAssignment): Promise<void> {
    const command = slot.command;
    const processor = this.registry.get(command.processor);
    let success = false;
    let result: string | null;
    if (!processor) {
      result = `processor '${command.processor}' is not registered on worker ${this.config.options.workerId}`;
    } else {
      const ctx = createTaskContext(
        {
          jobId: command.jobId,
          instanceId: command.instanceId,
          taskId: String(task.taskId),
          taskName: task.taskName,
          subtask: task.payload === null ? null : (JSON.parse(task.payload) as unknown),
          isRoot: task.isRoot,
          jobParams: command.jobParams,
          instanceParams: command.instanceParams,
          attempt: task.failures + 1,
          taskRetries: command.taskRetries,
          runningTimes: command.runningTimes,
          workerId: this.config.options.workerId,
          signal: () => this.signalOf(slot, runKey(task)),
          ...(command.executeType === 'BROADCAST'
            ? { mapUnavailableReason: 'a BROADCAST job runs one task per worker' }
            : { map: this.mapper(slot, command, task) }),
        },
        slot.logger,
      );
      const outcome = await runAttempt(processor, ctx, command.processor);
      success = outcome.status === 'SUCCEEDED';
      result = outcome.result;
    }
    // A stopped task reports nothing: its TaskTracker already ended its row.
    if (slot.stopReason || this.slots.get(command.instanceId) !== slot) return;
    slot.running.delete(runKey(task));
    slot.results.push({ task, success, result: truncate(result) });
    this.scheduleFlush(slot);
    // Let heartbeats and intake run between tasks, even when every task resolves synchronously.
    setImmediate(() => this.drain(slot));
  }

  /** ctx.signal of a running subtask: its own controller, so its listeners go away with it. */
  private signalOf(slot: InstanceSlot, key: string): AbortSignal {
    if (slot.stopReason) return AbortSignal.abort(slot.stopReason);
    const controller = new AbortController();
    // Read after the subtask finished (a leftover callback): a signal of its own, never aborted.
    const running = slot.running.get(key);
    if (running) running.controller = controller;
    return controller.signal;
  }

  /** ctx.map() of one task: store the items durably in one INSERT per 1000, then tell the TaskTracker. */
  private mapper(
    slot: InstanceSlot,
    command: RunTasksCommand,
    task: TaskAssignment,
  ): (items: unknown[], taskName: string) => Promise<void> {
    let call = 0;
    return async (items, taskName) => {
      if (typeof taskName !== 'string' || taskName.length === 0 || taskName.length > 200) {
        throw new TypeError('ctx.map() needs a task name of 1-200 characters');
      }
      const payloads = serialiseItems(items);
      const keyPrefix = `${task.taskId}:${call++}`;
      if (payloads.length === 0) return;
      const stored = await this.database.tasks.insertSubtasks(
        command.instanceId,
        task.taskId,
        keyPrefix,
        taskName,
        payloads,
        Date.now(),
      );
      await this.deliver(slot, {
        kind: 'SubtasksCreated',
        instanceId: command.instanceId,
        runningTimes: slot.command.runningTimes, // a takeover may have come during the insert: tell the new tracker
        count: stored.inserted,
        firstTaskId: stored.firstId,
      });
    };
  }

  private scheduleFlush(slot: InstanceSlot): void {
    // Nothing left to run here: the TaskTracker waits for these results to send the next batch, so send them now.
    if (slot.results.length >= RESULT_BATCH || (slot.queue.length === 0 && slot.running.size === 0)) {
      void this.flush(slot);
      return;
    }
    slot.flushTimer ??= setTimeout(() => void this.flush(slot), RESULT_FLUSH_MS);
  }

  private async flush(slot: InstanceSlot): Promise<void> {
    if (slot.flushTimer) clearTimeout(slot.flushTimer);
    slot.flushTimer = undefined;
    if (slot.results.length === 0 || slot.answering) return; // adopt() flushes after its answer
    const held = slot.results.splice(0);
    const command = slot.command;
    const seq = ++slot.seq;
    slot.sending++;
    slot.inTransit.add(held);
    try {
      await this.deliver(slot, {
        kind: 'TaskResults',
        instanceId: command.instanceId,
        runningTimes: command.runningTimes,
        workerId: this.config.options.workerId,
        results: held.map((h) => ({
          taskId: h.task.taskId,
          attempt: h.task.attempt,
          success: h.success,
          result: h.result,
        })),
        seq,
      });
      // Handed over in an answer to AdoptTasks while on the way: kept under that answer already.
      if (slot.inTransit.has(held)) {
        const deliveredAt = Date.now();
        for (const h of held) slot.kept.push({ held: h, deliveredAt, seq });
      }
    } finally {
      slot.inTransit.delete(held);
      slot.sending--;
    }
  }

  private ensureSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Drops kept results their TaskTracker has taken in (or that waited too long), then the slots left idle. */
  private sweep(): void {
    const now = Date.now();
    for (const [instanceId, slot] of this.slots) {
      if (slot.kept.length > 0) {
        const heartbeat = this.directory.lastHeardOf(slot.command.trackerWorkerId) ?? 0;
        slot.kept = slot.kept.filter(
          (k) => k.deliveredAt + CONFIRM_AFTER_MS > heartbeat && now - k.deliveredAt < KEPT_MAX_MS,
        );
      }
      if (slot.idle) this.slots.delete(instanceId);
    }
    if (this.slots.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /**
   * Results exist only here, and the TaskTracker waits for them (it re-sends only unacknowledged tasks); without
   * SubtasksCreated it would find new rows only at its completion check. Both are re-sent with back-off until
   * delivered, as long as the instance's slot lives (a stop or shutdown drops them).
   */
  private deliver(slot: InstanceSlot, message: TaskResultsCommand | SubtasksCreatedCommand): Promise<void> {
    return this.sendUntilQueued(
      () => slot.command.trackerWorkerId, // a takeover may move the tracker between two tries
      message,
      () => this.slots.get(message.instanceId) === slot && !slot.stopReason,
    );
  }

  /** Sends with a growing pause between tries until the message is queued, or `wanted()` says it no longer matters. */
  private async sendUntilQueued(
    to: () => string,
    message: TaskResultsCommand | SubtasksCreatedCommand | TasksHeldCommand,
    wanted: () => boolean,
  ): Promise<void> {
    for (let attempt = 1; !(await this.send(to(), message)); attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(RESEND_MAX_DELAY_MS, 250 * 2 ** attempt)));
      if (!wanted()) return;
    }
  }

  /** Never rejects; says whether the message was queued (failures are logged, throttled). */
  private async send(
    workerId: string,
    command: Parameters<ReturnType<WorkerRedis['commandSender']>['send']>[1],
  ): Promise<boolean> {
    const o = this.config.options;
    try {
      await this.redis.commandSender(o.redisUrl, o.workerId, o.prefix).send(workerId, command);
      return true;
    } catch (err) {
      this.errors.error('tasks', `sending ${command.kind} to ${workerId} failed`, err);
      return false;
    }
  }
}

/** `kept` is in `seq` order (each message's results are appended as it is sent): the stored ones are a prefix. */
function dropStored(kept: KeptResult[], storedThrough: number): void {
  let stored = 0;
  while (stored < kept.length && kept[stored]!.seq <= storedThrough) stored++;
  if (stored > 0) kept.splice(0, stored);
}

function runKey(task: TaskAssignment): string {
  return `${task.taskId}:${task.attempt}`;
}

function truncate(result: string | null): string | null {
  if (result === null || result.length <= MAX_RESULT_LENGTH) return result;
  return `${result.slice(0, MAX_RESULT_LENGTH)}... (truncated)`;
}
