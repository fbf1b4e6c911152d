import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { workerStateFromHeartbeat } from '@jobnest/common';
import { decodeHeartbeat, messageField, streamNames } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from '../redis/redis-connections.service';
import type { WorkerState } from './worker-state';

type RawEntry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

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
  private readyResolve!: () => void;
  /** Resolves once the history read is done (the reconciler waits for it before judging workers dead). */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
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

  private async run(): Promise<void> {
    const stream = streamNames(this.config.prefix).heartbeats;
    let caughtUp = false;
    let lastPrune = Date.now();
    while (this.running) {
      try {
        const xread = this.redis.xread.bind(this.redis) as unknown as (...args: (string | number)[]) => Promise<ReadReply>;
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
        if (Date.now() - lastPrune > 1000) {
          lastPrune = Date.now();
          this.pruneDead();
        }
      } catch (err) {
        if (!this.running) break;
        if (Date.now() - this.lastErrorLogAt > 5000) {
          this.lastErrorLogAt = Date.now();
          this.logger.error(`heartbeat reader failed, retrying: ${err instanceof Error ? err.message : String(err)}`);
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
    if (hb.shuttingDown) {
      if (this.workers.delete(hb.workerId) && live) this.emitChange();
      return;
    }
    // History entries carry their stream time (Redis clock); live ones the time we read them.
    const seen = live ? Date.now() : Number(id.split('-')[0]);
    this.workers.set(hb.workerId, workerStateFromHeartbeat(hb, seen));
    if (isNew && live) {
      this.logger.log(`worker ${hb.workerId} (app ${hb.appName}) joined`);
      this.emitChange();
    }
  }

  private pruneDead(): void {
    const cutoff = Date.now() - this.config.workerTimeoutMs;
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
