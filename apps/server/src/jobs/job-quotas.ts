import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { nextFireTimes, TimeExpressionType } from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';
import { ServerConfig } from '../platform/config/server-config';

/** Slots sampled to find a timer's shortest gap: bursts (`* 0 * * * *`) show as consecutive slots, so 50 find them. */
const SAMPLED_SLOTS = 50;
const TIMED_TYPES = new Set<TimeExpressionType>([
  TimeExpressionType.CRON,
  TimeExpressionType.FIXED_RATE,
  TimeExpressionType.FIXED_DELAY,
  TimeExpressionType.DAILY_TIME_INTERVAL,
]);

/** An app is over one of the server's per-app quotas (403: the request is fine, the app may not have more). */
export class QuotaExceededException extends ForbiddenException {
  constructor(message: string) {
    super(message);
  }
}

/**
 * Per-app limits that keep one app from crowding out the others on shared servers: how many jobs it may define
 * (JOBNEST_MAX_JOBS_PER_APP) and how often one of its timers may fire (JOBNEST_MIN_TIMER_INTERVAL_MS). Together they
 * bound the trigger rate one app can put on the servers.
 */
@Injectable()
export class JobQuotas {
  constructor(
    private readonly config: ServerConfig,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
  ) {}

  /**
   * Refuses a new job when the app has its quota already. Two creations racing may both pass: the quota is a bound
   * on abuse, not an exact count.
   */
  async assertRoomForJob(appId: number): Promise<void> {
    const count = await this.jobs.countBy({ appId });
    if (count >= this.config.maxJobsPerApp) {
      throw new QuotaExceededException(
        `this app has ${count} jobs, the most this server allows (JOBNEST_MAX_JOBS_PER_APP=${this.config.maxJobsPerApp}); delete one first`,
      );
    }
  }

  /** Refuses a timer whose slots come closer together than the server allows (`expression` already validated). */
  assertTimerInterval(type: TimeExpressionType, expression: string | null, timeZone: string): void {
    if (!TIMED_TYPES.has(type)) return;
    const times = nextFireTimes(type, expression, timeZone, Date.now(), SAMPLED_SLOTS);
    let shortest = Number.POSITIVE_INFINITY;
    for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]! - times[i - 1]!);
    if (shortest < this.config.minTimerIntervalMs) {
      throw new BadRequestException(
        `timeExpression fires every ${shortest} ms at its fastest; this server allows ${this.config.minTimerIntervalMs} ms at the fastest (JOBNEST_MIN_TIMER_INTERVAL_MS)`,
      );
    }
  }
}
