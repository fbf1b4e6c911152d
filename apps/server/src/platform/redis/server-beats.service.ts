import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottledErrorLog } from '@jobnest/common';
import type { RedisClient } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from './redis-connections.service';

/** How often a server beats. */
const BEAT_INTERVAL_MS = 1000;
/** Beats older than this are dropped from the set: a server stopped that long ago has nothing left to claim. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/** Redis' clock in epoch ms, as Lua sees it (one clock for every server, whatever theirs say). */
const REDIS_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Notes this server's beat at Redis' time and forgets beats older than the horizon.
 * KEYS[1] the set; ARGV[1] server id; ARGV[2] horizon ms. Returns the beat's time.
 */
const BEAT_SCRIPT = `${REDIS_NOW}
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[2])))
return now`;

/**
 * The servers among ARGV[2..] whose last beat is older than ARGV[1] ms by Redis' clock; a server with no beat (an
 * older version, or forgotten) is not among them. KEYS[1] the set.
 */
const DEAD_SCRIPT = `${REDIS_NOW}
local dead = {}
for i = 2, #ARGV do
  local beat = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if beat and now - tonumber(beat) > tonumber(ARGV[1]) then dead[#dead + 1] = ARGV[i] end
end
return dead`;

/**
 * Every server notes a beat each second in one sorted set (KeyLayout.serverBeats), on Redis' clock, so that another
 * server can tell it is dead (no beat for JOBNEST_SERVER_DEAD_AFTER_MS) and claim the stream entries it read but never
 * acknowledged at once, rather than after JOBNEST_STREAM_CLAIM_IDLE_MS. A server paused longer than that (a frozen
 * VM) is taken for dead too: its entries are applied twice at worst, which the report handlers allow.
 */
@Injectable()
export class ServerBeats implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ServerBeats.name);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
  ) {
    this.key = config.keys.serverBeats;
  }

  private get redis(): RedisClient {
    return this.connections.commands;
  }

  onApplicationBootstrap(): void {
    const beat = (): void => {
      this.beat().catch((err: unknown) => this.errors.error('beat', 'could not note this server beat', err));
    };
    beat();
    this.timer = setInterval(beat, BEAT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Notes a beat now; answers its time on Redis' clock. */
  async beat(): Promise<number> {
    return Number(await this.redis.eval(BEAT_SCRIPT, 1, this.key, this.config.serverId, FORGET_AFTER_MS));
  }

  /** The servers among `serverIds` known to be dead: their last beat is older than JOBNEST_SERVER_DEAD_AFTER_MS. */
  async deadAmong(serverIds: readonly string[]): Promise<ReadonlySet<string>> {
    if (serverIds.length === 0) return new Set();
    const dead = (await this.redis.eval(
      DEAD_SCRIPT,
      1,
      this.key,
      this.config.serverDeadAfterMs,
      ...serverIds,
    )) as string[];
    return new Set(dead);
  }
}
