import type { RedisClient } from '@jobnest/transport';

/**
 * Renews the lease only if we still own it: compare-and-extend must be atomic, or a holder that paused past
 * expiry could extend a lease another server has taken meanwhile.
 * KEYS[1] lease key; ARGV[1] owner id; ARGV[2] ttl ms. Returns 1 when renewed.
 */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Releases only our own lease. KEYS[1] lease key; ARGV[1] owner id. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** A Redis lease (SET NX PX) held by one process at a time; it moves to another when its holder stops renewing. */
export class RedisLease {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease; true while we hold it. */
  async acquire(): Promise<boolean> {
    const renewed = (await this.redis.eval(RENEW_SCRIPT, 1, this.key, this.owner, this.ttlMs)) as number;
    if (renewed === 1) return true;
    return (await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.owner);
  }
}
