import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottledErrorLog, WORKER_FEATURES, workerStateFromHeartbeat, type Heartbeat } from '@jobnest/common';
import { HeartbeatReader, type WorkerAddress } from '@jobnest/transport';
import { ServerConfig } from '../platform/config/server-config';
import { LaneReaders } from '../platform/redis/lane-readers';
import { RedisConnections } from '../platform/redis/redis-connections.service';
import { ReportStreams } from '../platform/redis/report-streams.service';
import { WorkerLastSeenRecord } from './worker-last-seen';
import type { WorkerState } from './worker-state';

/** How often the heartbeats read are written to the worker last-seen record (one ZADD each time). */
const LAST_SEEN_FLUSH_MS = 1000;

/** How long a worker's shutdown is remembered: the reconciler acts on it within a pass or two. */
const SHUTDOWN_MEMORY_MS = 10 * 60_000;

export type WorkersChangedListener = (workerIds: string[]) => void;

/**
 * This server's view of the live workers. Every server reads every heartbeat of every app (plain XREAD, no consumer
 * group; one reader per lane on a cluster), starting with the last workerTimeoutMs of history so a freshly started
 * server knows the fleet at once. A heartbeat is believed only on its own app's stream.
 */
@Injectable()
export class ClusterViewService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterViewService.name);
  private readonly workers = new Map<string, WorkerState>();
  private readonly listeners: WorkersChangedListener[] = [];
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readers: LaneReaders<HeartbeatReader> | undefined;
  private readonly rejectedFrom = new Set<string>();
  private lastPrune = Date.now();
  private lastSeenFlush = 0;
  /** Workers whose last heartbeat said they shut down, with when it was read (kept for SHUTDOWN_MEMORY_MS). */
  private readonly shutDown = new Map<string, number>();
  private readyResolve!: () => void;
  /** Resolves once the history read is done (the reconciler waits for it before judging workers dead). */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly streams: ReportStreams,
    private readonly lastSeen: WorkerLastSeenRecord,
  ) {}

  onApplicationBootstrap(): void {
    // Ready once the readers of the apps known at boot have read their history (at once when there is no app).
    const waiting = new Set(this.streams.groups('heartbeats').keys());
    const caughtUp = (group: string): void => {
      if (!waiting.delete(group) || waiting.size > 0) return;
      this.readyResolve();
      this.emitChange();
    };
    if (waiting.size === 0) this.readyResolve();
    this.readers = new LaneReaders(
      this.streams,
      'heartbeats',
      (group, streams) =>
        new HeartbeatReader({
          connection: this.connections.dedicatedConnection(`heartbeats-${group}`),
          streams,
          historyMs: this.config.workerTimeoutMs,
          onHeartbeat: (hb, entryTime, live, stream) => this.apply(hb, entryTime, live, stream),
          onMalformed: (id, reason) => this.reject(id, reason),
          onCaughtUp: () => caughtUp(group),
          afterRead: () => this.afterRead(),
          onError: (err) => this.errors.error('read', 'heartbeat reader failed, retrying', err),
        }),
    );
    this.readers.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.readers?.stop();
    await this.lastSeen.flush().catch(() => undefined); // best effort: the next server's reads record them again
  }

  onWorkersChanged(listener: WorkersChangedListener): void {
    this.listeners.push(listener);
  }

  /** Live workers of an app (heartbeat within workerTimeoutMs). */
  liveWorkers(appId: number): WorkerState[] {
    return this.liveWorkerStates().filter((w) => w.appId === appId);
  }

  /** Every live worker, of every app (heartbeat within workerTimeoutMs). */
  liveWorkerStates(): WorkerState[] {
    const cutoff = Date.now() - this.config.workerTimeoutMs;
    return [...this.workers.values()].filter((w) => w.lastHeartbeat >= cutoff);
  }

  allLiveWorkerIds(): string[] {
    return this.liveWorkerStates().map((w) => w.workerId);
  }

  isAlive(workerId: string): boolean {
    const w = this.workers.get(workerId);
    return w !== undefined && w.lastHeartbeat >= Date.now() - this.config.workerTimeoutMs;
  }

  /**
   * Whether the worker is live and its latest heartbeat announced the protocol feature (WORKER_FEATURES): a worker
   * not known as live (not heard from yet, or an older one) is sent only what every worker understands.
   */
  hasFeature(workerId: string, feature: string): boolean {
    return this.isAlive(workerId) && (this.workers.get(workerId)?.features.includes(feature) ?? false);
  }

  /**
   * Where to send a worker's commands: as asked, unless the worker is live and of an older version (its heartbeats
   * do not announce WORKER_FEATURES.appKeys), whose queue is still under the plain prefix.
   */
  addressOf(address: WorkerAddress): WorkerAddress {
    if (address.appId === null || !this.isAlive(address.workerId)) return address;
    return this.hasFeature(address.workerId, WORKER_FEATURES.appKeys) ? address : { ...address, appId: null };
  }

  /** Whether a live worker takes its commands on the queue of `address` now (see WorkerLiveness). */
  usesQueue(address: WorkerAddress): boolean {
    const state = this.workers.get(address.workerId);
    if (!state || !this.isAlive(address.workerId)) return false;
    return this.addressOf({ workerId: state.workerId, appId: state.appId }).appId === address.appId;
  }

  /**
   * Whether the worker said it shut down (its last heartbeat had `shuttingDown`) and has not come back: it is
   * gone for sure, so its runs need not wait out the heartbeat timeout.
   */
  hasShutDown(workerId: string): boolean {
    return this.shutDown.has(workerId) && !this.isAlive(workerId);
  }

  private async afterRead(): Promise<void> {
    if (Date.now() - this.lastSeenFlush >= LAST_SEEN_FLUSH_MS) {
      this.lastSeenFlush = Date.now();
      await this.lastSeen.flush();
    }
    if (Date.now() - this.lastPrune > 1000) {
      this.lastPrune = Date.now();
      this.pruneDead();
    }
  }

  /** Logged once per reason; heartbeats are not acknowledged, so nothing else to do. */
  private reject(id: string, reason: string): void {
    this.warnOnce(reason, `ignored malformed heartbeat ${id}: ${reason}`);
  }

  /**
   * Logs `message` once per `key`. Forged heartbeats may vary without end: what was logged is remembered up to 1,000
   * keys (then forgotten, and logged again).
   */
  private warnOnce(key: string, message = key): void {
    if (this.rejectedFrom.has(key)) return;
    if (this.rejectedFrom.size >= 1000) this.rejectedFrom.clear();
    this.rejectedFrom.add(key);
    this.logger.warn(message);
  }

  private apply(hb: Heartbeat, entryTime: number, live: boolean, stream: string): void {
    const streamApp = this.streams.appOf(stream);
    if (streamApp !== null && streamApp !== hb.appId) {
      // Forged or misrouted (a worker can write only its own app's stream under a per-app ACL user): logged once.
      this.warnOnce(
        `ignored heartbeat of worker ${hb.workerId}: it says app ${hb.appId} but came on the stream of app ${streamApp}`,
      );
      return;
    }
    const known = this.workers.get(hb.workerId);
    if (known && known.appId !== hb.appId && this.isAlive(hb.workerId)) {
      // Worker ids are unique in a deployment: a live id claimed by another app is a forgery (or a misconfigured
      // worker); believing it would let one app shut down, or re-address, another app's worker.
      this.warnOnce(
        `ignored heartbeat of worker ${hb.workerId}: it says app ${hb.appId}, but that worker is live in app ${known.appId}`,
      );
      return;
    }
    // History entries carry their stream time (Redis clock); live ones the time we read them.
    const seen = live ? Date.now() : entryTime;
    // The history of two streams (an upgraded worker's old and new one) is read one after the other: an older
    // heartbeat read after a newer one must not bring back what the newer one replaced (its features, its layout).
    if (!live && ((known && known.lastHeartbeat > seen) || (this.shutDown.get(hb.workerId) ?? 0) > seen)) return;
    const isNew = !this.isAlive(hb.workerId);
    this.lastSeen.note({ workerId: hb.workerId, appId: streamApp }, seen);
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
