import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottledErrorLog } from '@jobnest/common';
import type { RedisClient } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from './redis-connections.service';

/** How often a server beats. */
const BEAT_INTERVAL_MS = 1000;
/** Beats older than this are dropped from the set: a server stopped that long ago has nothing left to claim. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/**
 * Notes this server's beat at Redis' time (one clock for every server while the `{sys}` master stays the same),
 * forgets beats older than the horizon, and answers the other servers whose last beat is older than the dead-after
 * time. KEYS[1] the set; ARGV[1] server id; ARGV[2] dead after ms; ARGV[3] horizon ms.
 */
const BEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[3])))
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[2])))`;

/**
 * Every server notes a beat each second in one sorted set (KeyLayout.serverBeats), on Redis' clock, and learns in
 * the same round trip which servers have not beaten for JOBNEST_SERVER_DEAD_AFTER_MS: those are dead, and the report
 * consumers claim the stream entries they read but never acknowledged at once, rather than after
 * JOBNEST_STREAM_CLAIM_IDLE_MS. The answer is kept in memory, so the consumers of every lane never wait on the
 * `{sys}` node of a Redis Cluster.
 *
 * A server takes others for dead only once its own beats have gone on without a gap for JOBNEST_SERVER_DEAD_AFTER_MS:
 * after a Redis outage, a restart that restored old beats, or a failover of `{sys}` to a master with another clock,
 * every live server has beaten again by then. A server paused longer than that (a frozen VM) is taken for dead: the
 * entries it held may be applied twice (a report already applied changes nothing; a log batch is stored twice).
 */
@Injectable()
export class ServerBeats implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ServerBeats.name);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly key: string;
  /** Longest time between two beats that still counts as beating without a gap. */
  private readonly maxGapMs: number;
  private dead: ReadonlySet<string> = new Set();
  /** When the beats without a gap began (local clock); undefined after a failed beat. */
  private steadySince: number | undefined;
  private lastBeatAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
  ) {
    this.key = config.keys.serverBeats;
    this.maxGapMs = Math.min(3 * BEAT_INTERVAL_MS, config.serverDeadAfterMs / 2);
  }

  private get redis(): RedisClient {
    return this.connections.commands;
  }

  onApplicationBootstrap(): void {
    void this.tick();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The servers among `serverIds` known to be dead (as of the last beat). */
  deadAmong(serverIds: readonly string[]): ReadonlySet<string> {
    return new Set(serverIds.filter((id) => this.dead.has(id)));
  }

  /** One beat, then the next a second after it ends (a beat waiting for Redis does not pile up more behind it). */
  private async tick(): Promise<void> {
    try {
      const stale = (await this.redis.eval(
        BEAT_SCRIPT,
        1,
        this.key,
        this.config.serverId,
        this.config.serverDeadAfterMs,
        FORGET_AFTER_MS,
      )) as string[];
      const now = Date.now();
      if (this.lastBeatAt === undefined || now - this.lastBeatAt > this.maxGapMs) this.steadySince = now;
      this.lastBeatAt = now;
      const steady = now - (this.steadySince ?? now) >= this.config.serverDeadAfterMs;
      this.dead = steady ? new Set(stale.filter((id) => id !== this.config.serverId)) : new Set();
    } catch (err) {
      this.lastBeatAt = undefined;
      this.steadySince = undefined;
      this.dead = new Set();
      this.errors.error('beat', 'could not note this server beat (no server is taken for dead meanwhile)', err);
    } finally {
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.tick(), BEAT_INTERVAL_MS);
        this.timer.unref();
      }
    }
  }
}
