import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { errorMessage, workerStateFromHeartbeat } from '@jobnest/common';
import { decodeHeartbeat, messageField, streamNames } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from '../redis/redis-connections.service';
import { WorkerLastSeenRecord } from './worker-last-seen';
import type { WorkerState } from './worker-state';

type RawEntry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/** How often the heartbeats read are written to the worker last-seen record (one ZADD each time). */
const LAST_SEEN_FLUSH_MS = 1000;

/** How long a worker's shutdown is remembered: the reconciler acts on it within a pass or two. */
const SHUTDOWN_MEMORY_MS = 10 * 60_000;

export type WorkersChangedListener = (workerIds: string[]) => void;

/**
 * This server's view of the live workers. Every server reads every heartbeat (plain XREAD, no consumer group),
 * starting with the last workerTimeoutMs of history so a freshly started server knows the fleet at once.
 */
@Injectable()
export class ClusterViewService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterViewService.name);
  private readonly workers = new Map<string, WorkerState>();
  private readonly listeners: WorkersChangedListener[] = [];
  private redis!: Redis;
  private running = false;
  private loop: Promise<void> | undefined;
  private lastId = '0';
  private lastErrorLogAt = 0;
  private readonly rejectedFrom = new Set<string>();
  /** Workers whose last heartbeat said they shut down, with when it was read (kept for SHUTDOWN_MEMORY_MS). */
  private readonly shutDown = new Map<string, number>();
  private readyResolve!: () => void;
  /** Resolves once the history read is done (the reconciler waits for it before judging workers dead). */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly lastSeen: WorkerLastSeenRecord,
  ) {}

  onApplicationBootstrap(): void {
    this.redis = this.connections.dedicatedConnection('heartbeats');
    this.lastId = `${Date.now() - this.config.workerTimeoutMs}-0`;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.redis?.disconnect();
    await this.loop;
    await this.lastSeen.flush().catch(() => undefined); // best effort: the next server's reads record them again
  }

  onWorkersChanged(listener: WorkersChangedListener): void {
    this.listeners.push(listener);
  }

  /** Live workers of an app (heartbeat within workerTimeoutMs). */
  liveWorkers(appId: number): WorkerState[] {
    const cutoff = Date.now() - this.config.workerTimeoutMs;
    return [...this.workers.values()].filter((w) => w.appId === appId && w.lastHeartbeat >= cutoff);
  }

  allLiveWorkerIds(): string[] {
    const cutoff = Date.now() - this.config.workerTimeoutMs;
    return [...this.workers.values()].filter((w) => w.lastHeartbeat >= cutoff).map((w) => w.workerId);
  }

  isAlive(workerId: string): boolean {
    const w = this.workers.get(workerId);
    return w !== undefined && w.lastHeartbeat >= Date.now() - this.config.workerTimeoutMs;
  }

  /**
   * Whether the worker said it shut down (its last heartbeat had `shuttingDown`) and has not come back: it is
   * gone for sure, so its runs need not wait out the heartbeat timeout.
   */
  hasShutDown(workerId: string): boolean {
    return this.shutDown.has(workerId) && !this.isAlive(workerId);
  }

  private async run(): Promise<void> {
    const stream = streamNames(this.config.prefix).heartbeats;
    let caughtUp = false;
    let lastPrune = Date.now();
    let lastSeenFlush = 0;
    while (this.running) {
      try {
        const xread = this.redis.xread.bind(this.redis) as unknown as (
          ...args: (string | number)[]
        ) => Promise<ReadReply>;
        const reply = caughtUp
          ? await xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', stream, this.lastId)
          : await xread('COUNT', 1000, 'STREAMS', stream, this.lastId);
        const entries = reply?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) this.apply(id, fields, caughtUp);
        if (entries.length > 0) this.lastId = entries[entries.length - 1]![0];
        if (!caughtUp && entries.length < 1000) {
          caughtUp = true;
          this.readyResolve();
          this.emitChange();
        }
        if (Date.now() - lastSeenFlush >= LAST_SEEN_FLUSH_MS) {
          lastSeenFlush = Date.now();
          await this.lastSeen.flush();
        }
        if (Date.now() - lastPrune > 1000) {
          lastPrune = Date.now();
          this.pruneDead();
        }
      } catch (err) {
        if (!this.running) break;
        if (Date.now() - this.lastErrorLogAt > 5000) {
          this.lastErrorLogAt = Date.now();
          this.logger.error(`heartbeat reader failed, retrying: ${errorMessage(err)}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private apply(id: string, fields: string[], live: boolean): void {
    let hb;
    try {
      hb = decodeHeartbeat(messageField(fields));
    } catch (err) {
      // Logged once per source entry shape; heartbeats are not acknowledged, so nothing else to do.
      const key = String(err instanceof Error ? err.message : err);
      if (!this.rejectedFrom.has(key)) {
        this.rejectedFrom.add(key);
        this.logger.warn(`ignored malformed heartbeat ${id}: ${key}`);
      }
      return;
    }
    const isNew = !this.isAlive(hb.workerId);
    // History entries carry their stream time (Redis clock); live ones the time we read them.
    const seen = live ? Date.now() : Number(id.split('-')[0]);
    this.lastSeen.note(hb.workerId, seen);
    if (hb.shuttingDown) {
      this.shutDown.set(hb.workerId, seen);
      if (this.workers.delete(hb.workerId) && live) this.emitChange();
      return;
    }
    this.shutDown.delete(hb.workerId);
    this.workers.set(hb.workerId, workerStateFromHeartbeat(hb, seen));
    if (isNew && live) {
      this.logger.log(`worker ${hb.workerId} (app ${hb.appName}) joined`);
      this.emitChange();
    }
  }

  private pruneDead(): void {
    const cutoff = Date.now() - this.config.workerTimeoutMs;
    for (const [id, at] of this.shutDown) if (at < Date.now() - SHUTDOWN_MEMORY_MS) this.shutDown.delete(id);
    let changed = false;
    for (const [id, w] of this.workers) {
      if (w.lastHeartbeat < cutoff) {
        this.workers.delete(id);
        this.logger.warn(`worker ${id} lost: no heartbeat for ${this.config.workerTimeoutMs} ms`);
        changed = true;
      }
    }
    if (changed) this.emitChange();
  }

  private emitChange(): void {
    const ids = this.allLiveWorkerIds();
    for (const listener of this.listeners) listener(ids);
  }
}
