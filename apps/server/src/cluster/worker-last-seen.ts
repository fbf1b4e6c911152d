import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ServerConfig } from '../platform/config/server-config';
import { RedisConnections } from '../platform/redis/redis-connections.service';

/** Redis sorted set: worker id -> last heartbeat any server saw from it (epoch ms). */
export function workerLastSeenKey(prefix: string): string {
  return `${prefix}:workers:last-seen`;
}

/**
 * Removes a member only while its score is still below the cutoff: a worker that came back between the scan and
 * the removal keeps its record. KEYS[1] the set; ARGV[1] worker id; ARGV[2] cutoff. Returns 1 when removed.
 */
const FORGET_SCRIPT = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) < tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0`;

/**
 * Remembers every worker the servers have seen, after the cluster view forgot it (dead workers leave the view,
 * but their BullMQ queues stay in Redis until the worker-queue retention removes them). Heartbeats are noted in
 * memory and written with one ZADD per flush, so a large fleet costs one command a second per server.
 */
@Injectable()
export class WorkerLastSeenRecord {
  private readonly key: string;
  private pending = new Map<string, number>();

  constructor(
    config: ServerConfig,
    private readonly connections: RedisConnections,
  ) {
    this.key = workerLastSeenKey(config.prefix);
  }

  private get redis(): Redis {
    return this.connections.commands;
  }

  note(workerId: string, seenAt: number): void {
    if ((this.pending.get(workerId) ?? 0) < seenAt) this.pending.set(workerId, seenAt);
  }

  /** Writes the noted heartbeats (one ZADD); on failure they are kept for the next flush. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const args: (string | number)[] = [];
    for (const [workerId, seenAt] of batch) args.push(seenAt, workerId);
    try {
      await this.redis.zadd(this.key, ...args);
    } catch (err) {
      for (const [workerId, seenAt] of batch) this.note(workerId, seenAt);
      throw err;
    }
  }

  /** Up to `limit` workers last seen before `cutoff`, oldest first. */
  async seenBefore(cutoff: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key, '-inf', `(${cutoff}`, 'LIMIT', 0, limit);
  }

  /** Drops the record of a worker last seen before `cutoff`; false when it was seen again since. */
  async forget(workerId: string, cutoff: number): Promise<boolean> {
    return (await this.redis.eval(FORGET_SCRIPT, 1, this.key, workerId, cutoff)) === 1;
  }
}
