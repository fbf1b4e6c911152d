import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  canonicalTimeZone,
  DispatchStrategy,
  JOB_DEFAULTS,
  nextFireTimes,
  TimeExpressionError,
  TimeExpressionType,
  validateTimeExpression,
} from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';
import { TimerSyncService } from '../timers/timer-sync.service';
import type { JobInputDto, JobQueryDto, JobView, Page } from './job.dto';

/** What GET /jobs narrows the list by (JobQueryDto without its paging). */
export type JobFilter = Omit<JobQueryDto, 'page' | 'size'>;
import { JobQuotas } from './job-quotas';
import { toJobView } from './job-view.mapper';
import { findOwnedJob } from './owned-job';
import { InstanceEvents } from '../instances/state/instance-events';

/** Job definitions of one app: validation beyond field shapes, and CRUD scoped to the app. */
@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly timers: TimerSyncService,
    private readonly quotas: JobQuotas,
    private readonly events: InstanceEvents,
  ) {}

  async create(appId: number, input: JobInputDto): Promise<JobView> {
    await this.quotas.assertRoomForJob(appId);
    const job = this.jobs.create({ appId, skippedSlots: 0, misfiredSlots: 0 });
    this.apply(job, input);
    return this.saveAndSync(job);
  }

  async replace(appId: number, id: number, input: JobInputDto): Promise<JobView> {
    const job = await this.findOwned(appId, id);
    this.apply(job, input);
    const view = await this.saveAndSync(job);
    // Its limits may have grown or gone: held instances may start now, not at the reconciler's next pass.
    this.events.flowWaiting(job.id);
    return view;
  }

  /** The next `count` fire times of an expression, or 400 with the problem. */
  previewTimes(type: TimeExpressionType, expression: string | undefined, timeZone: string, count: number): number[] {
    try {
      const normalised = validateTimeExpression(type, expression, timeZone);
      return nextFireTimes(type, normalised, timeZone, Date.now(), count);
    } catch (err) {
      if (err instanceof TimeExpressionError) throw new BadRequestException(err.message);
      throw err;
    }
  }

  async list(appId: number, filter: JobFilter, page: number, size: number): Promise<Page<JobView>> {
    const query = this.jobs.createQueryBuilder('j').where('j.app_id = :appId', { appId });
    if (filter.search !== undefined && filter.search !== '') {
      // LIKE's own wildcards in the text are matched literally.
      const escaped = filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      query.andWhere('LOWER(j.name) LIKE :search', { search: `%${escaped}%` });
    }
    if (filter.enabled !== undefined) query.andWhere('j.enabled = :enabled', { enabled: filter.enabled });
    if (filter.timeExpressionType !== undefined) {
      query.andWhere('j.time_expression_type = :tet', { tet: filter.timeExpressionType });
    }
    if (filter.executeType !== undefined) query.andWhere('j.execute_type = :et', { et: filter.executeType });
    if (filter.missedSlots === true) query.andWhere('(j.skipped_slots > 0 OR j.misfired_slots > 0)');
    const [rows, total] = await query
      .orderBy('j.id', 'ASC')
      .skip((page - 1) * size)
      .take(size)
      .getManyAndCount();
    return { items: rows.map(toJobView), total, page, size };
  }

  async get(appId: number, id: number): Promise<JobView> {
    return toJobView(await this.findOwned(appId, id));
  }

  async setEnabled(appId: number, id: number, enabled: boolean): Promise<JobView> {
    const job = await this.findOwned(appId, id);
    job.enabled = enabled;
    return this.saveAndSync(job);
  }

  /** Deletes the definition; its instances stay for history (their API reads no longer need the job). */
  async delete(appId: number, id: number): Promise<void> {
    const job = await this.findOwned(appId, id);
    await this.jobs.delete({ id: job.id });
    // Its held instances are let go at once (their dispatch then finds the job gone), not at the reconciler's pass.
    this.events.flowWaiting(job.id);
    await this.timers
      .remove(job.id)
      .catch((err: unknown) =>
        this.logger.warn(`timer of deleted job ${job.id} not removed yet (the timer reconciler will): ${String(err)}`),
      );
  }

  /** Saves, then mirrors the timer at once; should Redis refuse, the timer reconciler catches up from MySQL. */
  private async saveAndSync(job: JobInfoEntity): Promise<JobView> {
    const saved = await this.jobs.save(job);
    await this.timers
      .sync(saved)
      .catch((err: unknown) =>
        this.logger.warn(`timer of job ${saved.id} not synced yet (the timer reconciler will): ${String(err)}`),
      );
    return toJobView(saved);
  }

  /** Another app's job answers 404 like a missing one: ids do not leak across apps. */
  findOwned(appId: number, id: number): Promise<JobInfoEntity> {
    return findOwnedJob(this.jobs, appId, id);
  }

  private apply(job: JobInfoEntity, input: JobInputDto): void {
    const timeZone = input.timeZone ?? JOB_DEFAULTS.timeZone;
    let timeExpression: string | null;
    try {
      timeExpression = validateTimeExpression(input.timeExpressionType, input.timeExpression, timeZone);
    } catch (err) {
      if (err instanceof TimeExpressionError) throw new BadRequestException(err.message);
      throw err;
    }
    this.quotas.assertTimerInterval(input.timeExpressionType, timeExpression, timeZone);
    const strategy = input.dispatchStrategy ?? JOB_DEFAULTS.dispatchStrategy;
    const designated = input.designatedWorkers ?? [];
    if (strategy === DispatchStrategy.SPECIFY && designated.length === 0) {
      throw new BadRequestException(
        'designatedWorkers must name at least one worker id or tag when dispatchStrategy is SPECIFY',
      );
    }
    const start = input.lifecycle?.start ?? null;
    const end = input.lifecycle?.end ?? null;
    if (start !== null && end !== null && start >= end) {
      throw new BadRequestException('lifecycle.start must be before lifecycle.end');
    }
    Object.assign(job, {
      name: input.name,
      description: input.description ?? JOB_DEFAULTS.description,
      processor: input.processor,
      executeType: input.executeType,
      timeExpressionType: input.timeExpressionType,
      timeExpression,
      // One spelling per zone (`europe/paris` is stored as `Europe/Paris`): timers and caches key by it.
      timeZone: canonicalTimeZone(timeZone),
      jobParams: input.jobParams ?? null,
      maxInstances: input.maxInstances ?? JOB_DEFAULTS.maxInstances,
      concurrency: input.concurrency ?? JOB_DEFAULTS.concurrency,
      instanceTimeLimitMs: input.instanceTimeLimitMs ?? JOB_DEFAULTS.instanceTimeLimitMs,
      instanceRetries: input.instanceRetries ?? JOB_DEFAULTS.instanceRetries,
      taskRetries: input.taskRetries ?? JOB_DEFAULTS.taskRetries,
      dispatchStrategy: strategy,
      designatedWorkers: designated,
      maxWorkerCount: input.maxWorkerCount ?? JOB_DEFAULTS.maxWorkerCount,
      minCpuCores: input.minCpuCores ?? JOB_DEFAULTS.minCpuCores,
      minMemoryMb: input.minMemoryMb ?? JOB_DEFAULTS.minMemoryMb,
      lifecycleStart: start,
      lifecycleEnd: end,
      enabled: input.enabled ?? JOB_DEFAULTS.enabled,
      concurrencyKeyPath: input.concurrencyKeyPath ?? JOB_DEFAULTS.concurrencyKeyPath,
      concurrencyLimit: input.concurrencyLimit ?? JOB_DEFAULTS.concurrencyLimit,
      rateLimit: input.rateLimit ?? JOB_DEFAULTS.rateLimit,
      ratePeriodMs: input.ratePeriodMs ?? JOB_DEFAULTS.ratePeriodMs,
      priority: input.priority ?? JOB_DEFAULTS.priority,
      overlapPolicy: input.overlapPolicy ?? JOB_DEFAULTS.overlapPolicy,
      overlapBufferLimit: input.overlapBufferLimit ?? JOB_DEFAULTS.overlapBufferLimit,
    });
  }
}
