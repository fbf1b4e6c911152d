import { createHash } from 'node:crypto';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { withTimeout } from '@jobnest/common';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from '../redis/redis-connections.service';

/** Longest wait for Redis: past it the check is skipped rather than holding the admin's request. */
const REDIS_TIMEOUT_MS = 500;

/**
 * Counts wrong admin passwords sent as HTTP Basic, per client IP, in Redis (so across servers): past
 * JOBNEST_AUTH_RATE_LIMIT_PER_IP in JOBNEST_AUTH_RATE_WINDOW_MS, the IP's Basic attempts answer 429 before any
 * comparison, so the admin password cannot be guessed at full speed through the admin routes. Right passwords
 * cost nothing. Should Redis not answer, the check is skipped (the admin must still be able to act).
 */
@Injectable()
export class BasicAuthLockout {
  constructor(
    private readonly config: ServerConfig,
    private readonly redis: RedisConnections,
  ) {}

  /** 429 with Retry-After when the IP used up its wrong attempts. */
  async assertAllowed(ip: string | undefined, res: Response): Promise<void> {
    const key = this.key(ip);
    const [count, ttlMs] = await this.read(key);
    if (count < this.config.authRateLimitPerIp) return;
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(ttlMs / 1000))));
    throw new HttpException(
      'too many wrong admin credentials from this address: wait for the time in the Retry-After header',
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  async recordFailure(ip: string | undefined): Promise<void> {
    const key = this.key(ip);
    try {
      await withTimeout(
        this.redis.commands.multi().incr(key).pexpire(key, this.config.authRateWindowMs, 'NX').exec(),
        REDIS_TIMEOUT_MS,
        'basic auth failure count',
      );
    } catch {
      // Not counted: Redis is away, and every other check still holds.
    }
  }

  private async read(key: string): Promise<[count: number, ttlMs: number]> {
    try {
      const replies = await withTimeout(
        this.redis.commands.multi().get(key).pttl(key).exec(),
        REDIS_TIMEOUT_MS,
        'basic auth failure count',
      );
      return [Number(replies?.[0]?.[1] ?? 0), Number(replies?.[1]?.[1] ?? 0)];
    } catch {
      return [0, 0];
    }
  }

  private key(ip: string | undefined): string {
    return `${this.config.prefix}:basic-fail:{${createHash('sha256')
      .update(ip ?? '')
      .digest('hex')
      .slice(0, 32)}}`;
  }
}
