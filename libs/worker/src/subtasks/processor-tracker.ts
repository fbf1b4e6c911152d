import { Injectable } from '@nestjs/common';
import {
  ThrottledErrorLog,
  type AdoptTasksCommand,
  type RunTasksCommand,
  type StopTasksCommand,
  type SubtasksCreatedCommand,
  type TaskAssignment,
  type TaskResultsCommand,
  type TasksHeldCommand,
  type WorkerCommand,
} from '@jobnest/common';
import { WorkerDirectory } from '../cluster/worker-directory';
import { WorkerDatabase } from '../database/worker-database';
import { limitResult } from '../execution/result-limit';
import { runAttempt } from '../execution/run-attempt';
import { subtaskContext } from '../execution/task-context';
import { WorkerConfig } from '../options/worker-config';
import { ProcessorRegistry } from '../processor/processor-registry';
import { WorkerRedis } from '../redis/worker-redis';
import { LogShipper } from '../reporting/log-shipper';
import { RecentlyStopped } from '../util/recently-stopped';
import { WorkerLogger } from '../util/worker-logger';
import { InstanceSlot, runKey } from './instance-slot';
import { serialiseItems } from './map-items';

/** Results leave in batches: at this many, or after RESULT_FLUSH_MS, whichever comes first. */
const RESULT_BATCH = 500;
const RESULT_FLUSH_MS = 30;
/** A StopTasks is remembered this long, so subtasks of a stopped instance still queued in Redis are dropped. */
const STOPPED_MEMORY_MS = 10 * 60 * 1000;
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

/**
 * The ProcessorTracker: runs the subtasks TaskTrackers send to this worker, `concurrency` at a time per instance.
 * It acknowledges each batch on receipt, and sends results back in batches (one message per batch), never one
 * message per subtask. Tasks yield to the event loop between runs, so heartbeats leave on time.
 */
@Injectable()
export class ProcessorTracker {
  private readonly logger = new WorkerLogger(ProcessorTracker.name, () => this.config.knownWorkerId);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly slots = new Map<number, InstanceSlot>();
  /** As many as stop within the memory: a stop forgotten early would let its queued subtasks run. */
  private readonly stopped = new RecentlyStopped({ ttlMs: STOPPED_MEMORY_MS, maxEntries: Number.POSITIVE_INFINITY });
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
    if (this.stopped.has(command.instanceId)) return;
    // Acknowledged without waiting: the tasks start at once.
    void this.send(command.trackerWorkerId, {
      kind: 'TasksReceived',
      instanceId: command.instanceId,
      runningTimes: command.runningTimes,
      workerId: this.config.options.workerId,
      tasks: command.tasks.map((t) => ({ taskId: t.taskId, generation: t.generation })),
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
    slot.dropStoredThrough(command.resultsStoredThrough ?? 0);
    slot.queue.push(...command.tasks);
    this.drain(slot);
  }

  /** Aborts the instance's running subtasks and drops its queued ones. */
  stop(command: StopTasksCommand): void {
    this.stopped.remember(command.instanceId, command.reason);
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
      const ctx = subtaskContext(command, task, {
        workerId: this.config.options.workerId,
        signal: () => this.signalOf(slot, runKey(task)),
        logger: slot.logger,
        workflow: slot.workflowHandle(),
        ...(command.executeType === 'BROADCAST'
          ? { mapUnavailableReason: 'a BROADCAST job runs one task per worker' }
          : { map: this.mapper(slot, command, task) }),
      });
      const outcome = await runAttempt(processor, ctx, command.processor);
      success = outcome.status === 'SUCCEEDED';
      result = outcome.result;
    }
    // A stopped task reports nothing: its TaskTracker already ended its row.
    if (slot.stopReason || this.slots.get(command.instanceId) !== slot) return;
    slot.running.delete(runKey(task));
    slot.results.push({ task, success, result: limitResult(result) });
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
          generation: h.task.generation,
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
  private async send(workerId: string, command: WorkerCommand): Promise<boolean> {
    try {
      await this.redis
        .commandSender((id) => this.directory.acceptsCommandBatches(id))
        .send(this.redis.addressOf(workerId), command);
      return true;
    } catch (err) {
      this.errors.error('tasks', `sending ${command.kind} to ${workerId} failed`, err);
      return false;
    }
  }
}
