import { Injectable } from '@nestjs/common';
import { HeartbeatReader } from '@jobnest/transport';
import {
  workerStateFromHeartbeat,
  type Heartbeat,
  type WorkerState,
  ThrottledErrorLog,
  WORKER_FEATURES,
} from '@jobnest/common';
import { WorkerConfig } from '../options/worker-config';
import { WorkerRedis } from '../redis/worker-redis';
import { WorkerLogger } from '../util/worker-logger';

/** History read at start: longer than any worker timeout a server would use. */
const HISTORY_MS = 60_000;

/**
 * The fleet as this worker sees it (its TaskTrackers need it to spread subtasks): every heartbeat of the app's
 * workers, read with a plain XREAD like the servers do. New workers are seen within one heartbeat.
 */
@Injectable()
export class WorkerDirectory {
  private readonly errors = new ThrottledErrorLog(
    new WorkerLogger(WorkerDirectory.name, () => this.config.knownWorkerId),
  );
  private readonly workers = new Map<string, WorkerState>();
  private readonly heard = new Map<string, number>();
  private reader: HeartbeatReader | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
  ) {}

  start(appId: number): void {
    this.reader = new HeartbeatReader({
      connection: this.redis.dedicatedConnection('heartbeats'),
      streams: () => [this.redis.streams.heartbeats],
      historyMs: HISTORY_MS,
      onHeartbeat: (hb, entryTime) => this.apply(appId, hb, entryTime),
      onMalformed: () => undefined, // the servers log malformed heartbeats
      afterRead: () => this.forgetSilentWorkers(),
      onError: (err) => this.errors.error('directory', 'reading heartbeats failed', err),
    });
    this.reader.start();
  }

  async stop(): Promise<void> {
    await this.reader?.stop();
  }

  /** Workers of the app heard from within `timeoutMs`. */
  liveWorkers(timeoutMs: number): WorkerState[] {
    const cutoff = Date.now() - timeoutMs;
    return [...this.workers.values()].filter((w) => w.lastHeartbeat >= cutoff);
  }

  /**
   * When this process last read a heartbeat of the worker (its own clock, ms), or undefined when none is known:
   * the ProcessorTracker compares it with its own delivery times, so clock skew with Redis does not matter.
   */
  lastHeardOf(workerId: string): number | undefined {
    return this.heard.get(workerId);
  }

  /**
   * Whether the worker announced CommandBatch in its latest heartbeat: the command sender batches only for it (an
   * older worker, or one not heard from yet, gets each command as its own job).
   */
  acceptsCommandBatches(workerId: string): boolean {
    return this.workers.get(workerId)?.features.includes(WORKER_FEATURES.commandBatch) ?? false;
  }

  isAlive(workerId: string, timeoutMs: number): boolean {
    const w = this.workers.get(workerId);
    return w !== undefined && w.lastHeartbeat >= Date.now() - timeoutMs;
  }

  /** Workers killed without a shutdown heartbeat would stay forever (a new id per restart): drop them after HISTORY_MS. */
  private forgetSilentWorkers(): void {
    const cutoff = Date.now() - HISTORY_MS;
    for (const [workerId, w] of this.workers) {
      if (w.lastHeartbeat < cutoff) {
        this.workers.delete(workerId);
        this.heard.delete(workerId);
      }
    }
  }

  private apply(appId: number, hb: Heartbeat, entryTime: number): void {
    if (hb.appId !== appId) return;
    if (hb.shuttingDown) {
      this.workers.delete(hb.workerId);
      this.heard.delete(hb.workerId);
      return;
    }
    this.heard.set(hb.workerId, Date.now());
    // The entry id's time (Redis clock): right for history entries, and within a few ms for fresh ones.
    this.workers.set(hb.workerId, workerStateFromHeartbeat(hb, entryTime));
  }
}
