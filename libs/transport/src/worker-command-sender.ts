import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import {
  chunkBySize,
  withTimeout,
  type CommandBatchCommand,
  type SingleWorkerCommand,
  type WorkerCommand,
} from '@jobnest/common';
import type { KeyLayout, WorkerAddress } from './key-layout';
import { workerQueueName } from './names';

export interface WorkerCommandSenderOptions {
  /** A queue used only to send, idle this long, is closed and dropped (opened again on the next send). (Default: 300000 = 5 min) */
  idleMs?: number;
  /** Most send-only queues kept open; beyond, the least recently used is closed. (Default: 1000) */
  maxQueues?: number;
  /**
   * Whether the worker takes CommandBatch jobs (it announced the feature in its heartbeats); when false, each
   * command goes as its own job (still one addBulk per flush). (Default: () => true)
   */
  acceptsBatches?: (workerId: string) => boolean;
}

/** Bounds of one CommandBatch job: commands, and their size estimated from their fields (bytes, about). */
export const COMMAND_BATCH_LIMITS = { maxCommands: 256, maxBytes: 512 * 1024 } as const;

/** close() waits this long for the commands it flushes to reach Redis (an outage must not hold a shutdown). */
const CLOSE_FLUSH_WAIT_MS = 5000;

function jobOptions(jobId?: string): JobsOptions {
  return { jobId, removeOnComplete: true, removeOnFail: { count: 1000 } };
}

interface PendingSend {
  commands: SingleWorkerCommand[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface CommandJob {
  name: string;
  data: SingleWorkerCommand | CommandBatchCommand;
  opts: JobsOptions;
}

interface CachedQueue {
  address: WorkerAddress;
  queue: Queue;
  lastUsedAt: number;
  /** Handed out by queue(): its holder (bull-board) keeps using it, so it is closed only by forget/removeQueue. */
  held: boolean;
}

/**
 * Puts commands on a worker's own BullMQ queue (`jobnest-worker-<id>`, under the worker's prefix in the KeyLayout).
 * One Queue object per worker, created on first use and sharing the given connection. The cache is bounded: every worker ever sent to would otherwise keep
 * a Queue (and its listeners on the shared connection) for the life of the process.
 */
export class WorkerCommandSender {
  private readonly queues = new Map<string, CachedQueue>();
  private readonly idleMs: number;
  private readonly maxQueues: number;
  private readonly acceptsBatches: (workerId: string) => boolean;
  private lastPruneAt = Date.now();
  /** Sends not flushed yet (the flush is a microtask), by worker queue, in order. */
  private pending = new Map<string, { address: WorkerAddress; sends: PendingSend[] }>();
  /** A flush is queued (a microtask): sends until it runs join it. */
  private flushQueued = false;
  /** addBulk calls not settled yet (close() waits for them). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly layout: KeyLayout,
    options: WorkerCommandSenderOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 300_000;
    this.maxQueues = options.maxQueues ?? 1000;
    this.acceptsBatches = options.acceptsBatches ?? (() => true);
    if (!Number.isInteger(this.idleMs) || this.idleMs < 1)
      throw new RangeError(`idleMs must be a positive whole number (got ${this.idleMs})`);
    if (!Number.isInteger(this.maxQueues) || this.maxQueues < 1) {
      throw new RangeError(`maxQueues must be a positive whole number (got ${this.maxQueues})`);
    }
  }

  /**
   * Puts the command on the worker's queue. Resolves once it is in Redis, rejects if adding it failed. Commands
   * sent for one worker by one task (before its microtasks end) leave together, in one `addBulk` (one round trip):
   * a lone command as its own job, several as CommandBatch jobs when the worker accepts batches (`acceptsBatches`).
   * A CommandBatch given here is sent as its commands.
   */
  send(address: WorkerAddress, command: WorkerCommand): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = queueKey(address);
      let entry = this.pending.get(key);
      if (!entry) this.pending.set(key, (entry = { address, sends: [] }));
      entry.sends.push({ commands: command.kind === 'CommandBatch' ? command.commands : [command], resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  /**
   * The worker's Queue for a holder that keeps it (bull-board): it is not closed for idleness, only by
   * `forget` / `removeQueue` (the worker-queue retention) or `close`.
   */
  queue(address: WorkerAddress): Queue {
    return this.use(address, true, Date.now());
  }

  /** Queues currently open. */
  get openQueues(): number {
    return this.queues.size;
  }

  /**
   * Closes the send-only queues unused for `idleMs`, then the least recently used beyond `maxQueues`.
   * Runs by itself on sends; public for tests and for callers that want it sooner.
   */
  prune(now = Date.now()): void {
    this.lastPruneAt = now;
    let sendOnly = 0;
    for (const [key, entry] of this.queues) {
      if (entry.held) continue;
      if (now - entry.lastUsedAt >= this.idleMs) this.drop(key, entry);
      else sendOnly++;
    }
    // The map is in least-recently-used order (use() moves an entry to the end).
    for (const [key, entry] of this.queues) {
      if (sendOnly <= this.maxQueues) break;
      if (entry.held) continue;
      this.drop(key, entry);
      sendOnly--;
    }
  }

  /** Closes and drops the worker's Queue object (its Redis keys stay), after sending its pending commands. */
  async forget(address: WorkerAddress): Promise<void> {
    await this.flushWorker(address);
    const key = queueKey(address);
    const entry = this.queues.get(key);
    if (!entry) return;
    this.queues.delete(key);
    await entry.queue.close();
  }

  /**
   * Deletes the worker's queue and every job on it from Redis (BullMQ obliterate, forced), then forgets it.
   * Commands pending for it are sent first (and so deleted with it): their sends resolve.
   */
  async removeQueue(address: WorkerAddress): Promise<void> {
    await this.flushWorker(address);
    const key = queueKey(address);
    const queue = this.queues.get(key)?.queue ?? this.newQueue(address);
    try {
      await queue.obliterate({ force: true });
    } finally {
      this.queues.delete(key);
      await queue.close();
    }
  }

  /**
   * Sends the pending commands, waits up to CLOSE_FLUSH_WAIT_MS for every send to reach Redis, then closes the
   * queues. A send still waiting then (Redis unreachable) settles as its command does, or fails when the
   * connection's owner disconnects it: none is left hanging.
   */
  async close(): Promise<void> {
    this.flush();
    if (this.inFlight.size > 0) {
      await withTimeout(Promise.allSettled([...this.inFlight]), CLOSE_FLUSH_WAIT_MS, 'flush').catch(() => undefined);
    }
    const entries = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(entries.map((e) => e.queue.close()));
  }

  /** Sends every pending command now: per worker, one addBulk. */
  private flush(): void {
    this.flushQueued = false;
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    const now = Date.now();
    // Checked on sends only: without sends the cache does not grow.
    if (now - this.lastPruneAt >= Math.min(this.idleMs, 60_000)) this.prune(now);
    for (const { address, sends } of pending.values()) void this.addJobs(address, sends, now);
  }

  /** Sends the commands pending for one worker now (forget, removeQueue); resolves when they settled. */
  private async flushWorker(address: WorkerAddress): Promise<void> {
    const key = queueKey(address);
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    await this.addJobs(address, entry.sends, Date.now());
  }

  /** One addBulk for the sends; settles each send's promise. Never rejects. */
  private addJobs(address: WorkerAddress, sends: PendingSend[], now: number): Promise<void> {
    let added: Promise<unknown>;
    try {
      const jobs = this.jobsFor(address.workerId, sends);
      added = sendJobs(this.use(address, false, now), jobs);
    } catch (err) {
      added = Promise.reject(err);
    }
    const settled = added.then(
      () => sends.forEach((s) => s.resolve()),
      (err: unknown) => sends.forEach((s) => s.reject(err)),
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return settled;
  }

  /**
   * The jobs for one worker's commands, in order. A RunInstance keeps its job id (`run-<instanceId>-<runningTimes>`)
   * when alone in its job; a second copy of it in the same turn is dropped, as BullMQ would drop the second job.
   */
  private jobsFor(workerId: string, sends: PendingSend[]): CommandJob[] {
    const commands: SingleWorkerCommand[] = [];
    const runIds = new Set<string>();
    for (const send of sends) {
      for (const command of send.commands) {
        const id = runJobId(command);
        if (id !== undefined) {
          if (runIds.has(id)) continue;
          runIds.add(id);
        }
        commands.push(command);
      }
    }
    if (commands.length < 2 || !this.batchesAccepted(workerId)) return commands.map(singleJob);
    return chunkBySize<SingleWorkerCommand>(commands, {
      maxItems: COMMAND_BATCH_LIMITS.maxCommands,
      maxSize: COMMAND_BATCH_LIMITS.maxBytes,
      sizeOf: estimatedSize,
    }).map(batchJob);
  }

  private batchesAccepted(workerId: string): boolean {
    try {
      return this.acceptsBatches(workerId);
    } catch {
      return false; // a failing check must not lose the commands: singles reach every worker
    }
  }

  private use(address: WorkerAddress, hold: boolean, now: number): Queue {
    const key = queueKey(address);
    let entry = this.queues.get(key);
    if (entry) {
      this.queues.delete(key); // re-inserted at the end: most recently used
    } else {
      entry = { address, queue: this.newQueue(address), lastUsedAt: now, held: false };
    }
    entry.lastUsedAt = now;
    entry.held ||= hold;
    this.queues.set(key, entry);
    if (!entry.held && this.queues.size > this.maxQueues) this.prune(now);
    return entry.queue;
  }

  private newQueue(address: WorkerAddress): Queue {
    return new Queue(workerQueueName(address.workerId), {
      connection: this.connection,
      prefix: this.layout.workerQueuePrefix(address),
    });
  }

  private drop(key: string, entry: CachedQueue): void {
    this.queues.delete(key);
    void entry.queue.close().catch(() => undefined); // shared connection: closing releases listeners, not the socket
  }
}

/** A worker's queue: its id, and its app (the same worker id under two layouts is two queues). */
function queueKey(address: WorkerAddress): string {
  return `${address.appId ?? 'legacy'}/${address.workerId}`;
}

function runJobId(command: SingleWorkerCommand): string | undefined {
  return command.kind === 'RunInstance' ? `run-${command.instanceId}-${command.runningTimes}` : undefined;
}

function singleJob(command: SingleWorkerCommand): CommandJob {
  return { name: command.kind, data: command, opts: jobOptions(runJobId(command)) };
}

/** A batch of one is sent as that command alone, as it would be without batching. */
function batchJob(commands: SingleWorkerCommand[]): CommandJob {
  if (commands.length === 1) return singleJob(commands[0]);
  return { name: 'CommandBatch', data: { kind: 'CommandBatch', commands }, opts: jobOptions() };
}

/** About the length of the value as JSON: string lengths plus a little per field and number (no stringify). */
function estimatedSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 3;
  if (Array.isArray(value)) {
    let n = 2;
    for (const v of value) n += estimatedSize(v) + 1;
    return n;
  }
  if (typeof value === 'object' && value !== null) {
    let n = 2;
    for (const [key, v] of Object.entries(value)) n += key.length + 4 + estimatedSize(v);
    return n;
  }
  return 16; // number, boolean, null
}

/**
 * Adds the jobs in one round trip. A single job goes by add(): addBulk builds an ioredis pipeline, which copies
 * every loaded script onto itself and costs ~3x the CPU of add() for one job.
 */
function sendJobs(queue: Queue, jobs: CommandJob[]): Promise<unknown> {
  if (jobs.length === 0) return Promise.resolve();
  if (jobs.length === 1) return queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
  return queue.addBulk(jobs);
}
