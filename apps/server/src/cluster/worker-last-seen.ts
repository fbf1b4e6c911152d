import { Injectable } from '@nestjs/common';
import type { RedisClient, WorkerAddress } from '@jobnest/transport';
import { ServerConfig } from '../platform/config/server-config';
import { RedisConnections } from '../platform/redis/redis-connections.service';

/**
 * A member of the last-seen set: `<appId>/<workerId>` for a worker on the hash-tagged layout, the bare worker id
 * for a worker of an older version (its queue is under the plain prefix). Worker ids hold no `/`.
 */
function memberOf(address: WorkerAddress): string {
  return address.appId === null ? address.workerId : `${address.appId}/${address.workerId}`;
}

function addressOf(member: string): WorkerAddress {
  const slash = member.indexOf('/');
  if (slash < 0) return { workerId: member, appId: null };
  return { workerId: member.slice(slash + 1), appId: Number(member.slice(0, slash)) };
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
 * Redis sorted set (KeyLayout.workersLastSeen): worker -> last heartbeat any server saw from it (epoch ms).
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
    this.key = config.keys.workersLastSeen;
  }

  private get redis(): RedisClient {
    return this.connections.commands;
  }

  note(address: WorkerAddress, seenAt: number): void {
    const member = memberOf(address);
    if ((this.pending.get(member) ?? 0) < seenAt) this.pending.set(member, seenAt);
  }

  /** Writes the noted heartbeats (one ZADD); on failure they are kept for the next flush. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const args: (string | number)[] = [];
    for (const [member, seenAt] of batch) args.push(seenAt, member);
    try {
      await this.redis.zadd(this.key, ...args);
    } catch (err) {
      for (const [member, seenAt] of batch) this.note(addressOf(member), seenAt);
      throw err;
    }
  }

  /** Up to `limit` workers last seen before `cutoff`, oldest first. */
  async seenBefore(cutoff: number, limit: number): Promise<WorkerAddress[]> {
    const members = await this.redis.zrangebyscore(this.key, '-inf', `(${cutoff}`, 'LIMIT', 0, limit);
    return members.map(addressOf);
  }

  /** Drops the record of a worker last seen before `cutoff`; false when it was seen again since. */
  async forget(address: WorkerAddress, cutoff: number): Promise<boolean> {
    return (await this.redis.eval(FORGET_SCRIPT, 1, this.key, memberOf(address), cutoff)) === 1;
  }
}
