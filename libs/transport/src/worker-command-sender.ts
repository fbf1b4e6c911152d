import { Queue, type ConnectionOptions } from 'bullmq';
import type { WorkerCommand } from '@jobnest/common';
import { workerQueueName } from './names';

export interface WorkerCommandSenderOptions {
  /** A queue used only to send, idle this long, is closed and dropped (opened again on the next send). (Default: 300000 = 5 min) */
  idleMs?: number;
  /** Most send-only queues kept open; beyond, the least recently used is closed. (Default: 1000) */
  maxQueues?: number;
}

interface CachedQueue {
  queue: Queue;
  lastUsedAt: number;
  /** Handed out by queue(): its holder (bull-board) keeps using it, so it is closed only by forget/removeQueue. */
  held: boolean;
}

/**
 * Puts commands on a worker's own BullMQ queue (`jobnest-worker-<id>`). One Queue object per worker, created on
 * first use and sharing the given connection. The cache is bounded: every worker ever sent to would otherwise keep
 * a Queue (and its listeners on the shared connection) for the life of the process.
 */
export class WorkerCommandSender {
  private readonly queues = new Map<string, CachedQueue>();
  private readonly idleMs: number;
  private readonly maxQueues: number;
  private lastPruneAt = Date.now();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    options: WorkerCommandSenderOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 300_000;
    this.maxQueues = options.maxQueues ?? 1000;
    if (!Number.isInteger(this.idleMs) || this.idleMs < 1)
      throw new RangeError(`idleMs must be a positive whole number (got ${this.idleMs})`);
    if (!Number.isInteger(this.maxQueues) || this.maxQueues < 1) {
      throw new RangeError(`maxQueues must be a positive whole number (got ${this.maxQueues})`);
    }
  }

  async send(workerId: string, command: WorkerCommand): Promise<void> {
    const jobId = command.kind === 'RunInstance' ? `run-${command.instanceId}-${command.runningTimes}` : undefined;
    const now = Date.now();
    const queue = this.use(workerId, false, now);
    // Checked on sends only: without sends the cache does not grow.
    if (now - this.lastPruneAt >= Math.min(this.idleMs, 60_000)) this.prune(now);
    await queue.add(command.kind, command, {
      jobId,
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    });
  }

  /**
   * The worker's Queue for a holder that keeps it (bull-board): it is not closed for idleness, only by
   * `forget` / `removeQueue` (the worker-queue retention) or `close`.
   */
  queue(workerId: string): Queue {
    return this.use(workerId, true, Date.now());
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
    for (const [workerId, entry] of this.queues) {
      if (entry.held) continue;
      if (now - entry.lastUsedAt >= this.idleMs) this.drop(workerId, entry);
      else sendOnly++;
    }
    // The map is in least-recently-used order (use() moves an entry to the end).
    for (const [workerId, entry] of this.queues) {
      if (sendOnly <= this.maxQueues) break;
      if (entry.held) continue;
      this.drop(workerId, entry);
      sendOnly--;
    }
  }

  /** Closes and drops the worker's Queue object (its Redis keys stay). */
  async forget(workerId: string): Promise<void> {
    const entry = this.queues.get(workerId);
    if (!entry) return;
    this.queues.delete(workerId);
    await entry.queue.close();
  }

  /** Deletes the worker's queue and every job on it from Redis (BullMQ obliterate, forced), then forgets it. */
  async removeQueue(workerId: string): Promise<void> {
    const queue = this.queues.get(workerId)?.queue ?? this.newQueue(workerId);
    try {
      await queue.obliterate({ force: true });
    } finally {
      this.queues.delete(workerId);
      await queue.close();
    }
  }

  async close(): Promise<void> {
    const entries = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(entries.map((e) => e.queue.close()));
  }

  private use(workerId: string, hold: boolean, now: number): Queue {
    let entry = this.queues.get(workerId);
    if (entry) {
      this.queues.delete(workerId); // re-inserted at the end: most recently used
    } else {
      entry = { queue: this.newQueue(workerId), lastUsedAt: now, held: false };
    }
    entry.lastUsedAt = now;
    entry.held ||= hold;
    this.queues.set(workerId, entry);
    if (!entry.held && this.queues.size > this.maxQueues) this.prune(now);
    return entry.queue;
  }

  private newQueue(workerId: string): Queue {
    return new Queue(workerQueueName(workerId), { connection: this.connection, prefix: this.prefix });
  }

  private drop(workerId: string, entry: CachedQueue): void {
    this.queues.delete(workerId);
    void entry.queue.close().catch(() => undefined); // shared connection: closing releases listeners, not the socket
  }
}
