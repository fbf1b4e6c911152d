import { Injectable, Logger } from '@nestjs/common';
import { decodeHeartbeat, messageField, streamNames } from '@jobnest/transport';
import { workerStateFromHeartbeat, type WorkerState, ThrottledErrorLog } from '@jobnest/common';
import type { Redis } from 'ioredis';
import { WorkerConfig } from '../options/worker-config';
import { WorkerRedis } from '../redis/worker-redis';

type RawEntry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/** History read at start: longer than any worker timeout a server would use. */
const HISTORY_MS = 60_000;

/**
 * The fleet as this worker sees it (its TaskTrackers need it to spread subtasks): every heartbeat of the app's
 * workers, read with a plain XREAD like the servers do. New workers are seen within one heartbeat.
 */
@Injectable()
export class WorkerDirectory {
  private readonly errors = new ThrottledErrorLog(new Logger('JobnestWorker'));
  private readonly workers = new Map<string, WorkerState>();
  private readonly heard = new Map<string, number>();
  private connection: Redis | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
  ) {}

  start(appId: number): void {
    const o = this.config.options;
    this.connection = this.redis.dedicatedConnection(o.redisUrl, o.workerId, 'heartbeats');
    this.running = true;
    this.loop = this.run(appId, streamNames(o.prefix).heartbeats);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.connection?.disconnect();
    await this.loop;
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

  isAlive(workerId: string, timeoutMs: number): boolean {
    const w = this.workers.get(workerId);
    return w !== undefined && w.lastHeartbeat >= Date.now() - timeoutMs;
  }

  private async run(appId: number, stream: string): Promise<void> {
    let lastId = `${Date.now() - HISTORY_MS}-0`;
    const conn = this.connection!;
    const xread = conn.xread.bind(conn) as unknown as (...args: (string | number)[]) => Promise<ReadReply>;
    while (this.running) {
      try {
        const reply = await xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', stream, lastId);
        for (const [id, fields] of reply?.[0]?.[1] ?? []) {
          lastId = id;
          this.apply(appId, id, fields);
        }
        this.forgetSilentWorkers();
      } catch (err) {
        if (!this.running) break;
        this.errors.error('directory', 'reading heartbeats failed', err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
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

  private apply(appId: number, id: string, fields: string[]): void {
    let hb;
    try {
      hb = decodeHeartbeat(messageField(fields));
    } catch {
      return; // the servers log malformed heartbeats
    }
    if (hb.appId !== appId) return;
    if (hb.shuttingDown) {
      this.workers.delete(hb.workerId);
      this.heard.delete(hb.workerId);
      return;
    }
    this.heard.set(hb.workerId, Date.now());
    // The entry id's time (Redis clock): right for history entries, and within a few ms for fresh ones.
    this.workers.set(hb.workerId, workerStateFromHeartbeat(hb, Number(id.split('-')[0])));
  }
}
