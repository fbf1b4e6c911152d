import { Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { RedisClient } from '@jobnest/transport';
import { errorMessage, withTimeout } from '@jobnest/common';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Counts a hit and applies the block in one round trip.
 * KEYS[1] hit counter, KEYS[2] block marker (same hash tag, so one slot on a cluster).
 * ARGV[1] window ms, ARGV[2] limit, ARGV[3] block ms.
 * Returns {hits, ms until the window ends, blocked 0|1, ms until the block ends}.
 */
const INCREMENT_SCRIPT = `
local blockTtl = redis.call('PTTL', KEYS[2])
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if blockTtl > 0 then return {hits, ttl, 1, blockTtl} end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}`;

/** A rate-limit check that takes longer than this uses this server's own counters instead. */
const REDIS_TIMEOUT_MS = 500;

/**
 * Rate-limit counters in Redis, so a limit holds across every server of a cluster. While Redis does not answer,
 * each server counts on its own (the library's in-memory storage): limits stay on, only per server.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly fallback = new ThrottlerStorageService();
  private warned = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.keyPrefix}:throttle:${throttlerName}:{${key}}`;
    try {
      const reply = (await withTimeout(
        this.redis.eval(INCREMENT_SCRIPT, 2, base, `${base}:block`, ttl, limit, blockDuration),
        REDIS_TIMEOUT_MS,
        'the rate-limit count in Redis',
      )) as [number, number, number, number];
      this.warned = false;
      const [hits, windowMs, blocked, blockMs] = reply.map(Number) as [number, number, number, number];
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(windowMs / 1000)),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
      };
    } catch (err) {
      if (!this.warned) {
        this.warned = true;
        this.logger.warn(`rate-limit counters fall back to this server's memory: ${errorMessage(err)}`);
      }
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }
}
