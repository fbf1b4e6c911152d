import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for Jobnest. `maxRetriesPerRequest: null` is what BullMQ workers and blocking stream reads
 * need: commands wait for a reconnect instead of failing, so a Redis restart does not crash a loop.
 */
export function createRedisConnection(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}
