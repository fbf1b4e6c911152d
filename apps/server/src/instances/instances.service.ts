import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, MoreThan, type Repository } from 'typeorm';
import { ACTIVE_INSTANCE_STATUSES, InstanceStatus, isFinalInstanceStatus, type TaskStatus } from '@jobnest/common';
import { type InstanceInfoEntity, InstanceLogEntity, JobInfoEntity, TaskStore } from '@jobnest/persistence';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import type { Page } from '../jobs/job.dto';
import {
  MAX_STATS_SPAN_MS,
  type InstanceStatsView,
  type InstanceView,
  type LogPageView,
  type TaskView,
  type WorkerTaskCountsView,
} from './instance.dto';
import { toInstanceView, toTaskView } from './instance-view.mapper';
import { InstanceRepository, type InstanceFilter } from './state/instance.repository';
import { InstanceTransitions } from './state/instance-transitions.service';

const WAITING: readonly InstanceStatus[] = [InstanceStatus.WAITING_DISPATCH, InstanceStatus.WAITING_WORKER_RECEIVE];

/** Reads and user actions (stop, cancel, retry) on the instances of one app. */
@Injectable()
export class InstancesService {
  constructor(
    private readonly instances: InstanceRepository,
    @InjectRepository(InstanceLogEntity) private readonly logLines: Repository<InstanceLogEntity>,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly tasks: TaskStore,
    private readonly transitions: InstanceTransitions,
    private readonly dispatcher: DispatcherService,
    private readonly commands: WorkerCommands,
  ) {}

  async get(appId: number, id: number): Promise<InstanceView> {
    const instance = await this.findOwned(appId, id);
    const names = await this.jobNames([instance.jobId]);
    return toInstanceView(instance, names.get(instance.jobId) ?? null);
  }

  async list(appId: number, filter: InstanceFilter, page: number, size: number): Promise<Page<InstanceView>> {
    const [rows, total] = await this.instances.pageOfApp(appId, filter, (page - 1) * size, size);
    const names = await this.jobNames(rows.map((r) => r.jobId));
    return { items: rows.map((r) => toInstanceView(r, names.get(r.jobId) ?? null)), total, page, size };
  }

  /** The app's instances per status in bars of `bucketMs` since `sinceMs` (the console's overview chart). */
  async stats(appId: number, sinceMs: number, bucketMs: number, now = Date.now()): Promise<InstanceStatsView> {
    if (sinceMs < now - MAX_STATS_SPAN_MS) {
      throw new BadRequestException(`sinceMs must be within the last ${MAX_STATS_SPAN_MS / 3600_000} hours`);
    }
    const buckets = new Map<number, InstanceStatsView['buckets'][number]>();
    for (const row of await this.instances.countByBucketAndStatus(appId, sinceMs, bucketMs)) {
      const start = sinceMs + row.bucket * bucketMs;
      let bucket = buckets.get(start);
      if (!bucket) buckets.set(start, (bucket = { start, counts: {} }));
      bucket.counts[row.status] = row.count;
    }
    return { buckets: [...buckets.values()] };
  }

  /** Ends an unfinished instance as STOPPED and aborts its processor. */
  async stop(appId: number, id: number): Promise<InstanceView> {
    const instance = await this.findOwned(appId, id);
    if (isFinalInstanceStatus(instance.status)) {
      throw new ConflictException(`instance ${id} is already ${instance.status}`);
    }
    const won = await this.transitions.endActive(
      id,
      ACTIVE_INSTANCE_STATUSES,
      InstanceStatus.STOPPED,
      'stopped by user',
      Date.now(),
    );
    if (won) await this.abortOnWorker(instance, 'stopped by user');
    return this.get(appId, id);
  }

  /** Cancels an instance that has not started running yet. */
  async cancel(appId: number, id: number): Promise<InstanceView> {
    const instance = await this.findOwned(appId, id);
    if (!WAITING.includes(instance.status)) {
      throw new ConflictException(
        `instance ${id} is ${instance.status}: only a waiting instance can be canceled (stop a running one)`,
      );
    }
    const won = await this.transitions.endActive(id, WAITING, InstanceStatus.CANCELED, 'canceled by user', Date.now());
    if (!won) throw new ConflictException(`instance ${id} started running meanwhile: stop it instead`);
    await this.abortOnWorker(instance, 'canceled by user');
    return this.get(appId, id);
  }

  /** Runs a finished instance again (same id, next run). */
  async retry(appId: number, id: number): Promise<InstanceView> {
    const instance = await this.findOwned(appId, id);
    if (!isFinalInstanceStatus(instance.status)) {
      throw new ConflictException(`instance ${id} is ${instance.status}: only a finished instance can be retried`);
    }
    if (!(await this.transitions.restartFinished(id, instance.status, Date.now()))) {
      throw new ConflictException(`instance ${id} changed meanwhile`);
    }
    await this.dispatcher.dispatch(id);
    return this.get(appId, id);
  }

  /**
   * A page of the instance's log, oldest first: the lines after `after`, or with `before` the last `limit` lines
   * below it (so a console opens at the tail without reading the whole log, and pages back from there).
   */
  async logs(
    appId: number,
    id: number,
    query: { after?: number; before?: number; limit: number },
  ): Promise<LogPageView> {
    const { before, limit } = query;
    if (before !== undefined && query.after !== undefined) {
      throw new BadRequestException('after, before: read forward (after) or backward (before), not both');
    }
    await this.findOwned(appId, id);
    const after = query.after ?? 0;
    const rows =
      before === undefined
        ? await this.logLines.find({
            where: { instanceId: id, id: MoreThan(after) },
            order: { id: 'ASC' },
            take: limit,
          })
        : (
            await this.logLines.find({
              where: { instanceId: id, id: LessThan(before) },
              order: { id: 'DESC' },
              take: limit,
            })
          ).reverse();
    return {
      items: rows.map((r) => ({ id: r.id, time: r.time, level: r.level, workerId: r.workerId, message: r.message })),
      nextAfter: rows.length > 0 ? rows[rows.length - 1]!.id : after === 0 ? null : after,
    };
  }

  /** The task table of a distributed instance, for inspection (PowerJob's custom task query), by task id. */
  async listTasks(
    appId: number,
    id: number,
    status: TaskStatus | undefined,
    page: number,
    size: number,
  ): Promise<Page<TaskView>> {
    await this.findOwned(appId, id);
    const { rows, total } = await this.tasks.page(id, status, (page - 1) * size, size);
    return { items: rows.map(toTaskView), total, page, size };
  }

  /** How the instance's subtasks spread over workers, per status (one grouped query). */
  async tasksByWorker(appId: number, id: number): Promise<WorkerTaskCountsView[]> {
    await this.findOwned(appId, id);
    return this.tasks.countsByWorker(id);
  }

  /** The names of these jobs, in one query (a list page names its jobs, not only their ids). */
  private async jobNames(jobIds: readonly number[]): Promise<Map<number, string>> {
    const ids = [...new Set(jobIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.jobs.find({ where: { id: In(ids) }, select: { id: true, name: true } });
    return new Map(rows.map((job) => [job.id, job.name]));
  }

  /** Another app's instance answers 404 like a missing one. */
  async findOwned(appId: number, id: number): Promise<InstanceInfoEntity> {
    const instance = await this.instances.findOfApp(appId, id);
    if (!instance) throw new NotFoundException(`instance ${id} not found`);
    return instance;
  }

  private async abortOnWorker(instance: InstanceInfoEntity, reason: string): Promise<void> {
    if (instance.workerId === null) return;
    await this.commands.send(
      { workerId: instance.workerId, appId: instance.appId },
      { kind: 'StopInstance', instanceId: instance.id, reason },
    );
  }
}
