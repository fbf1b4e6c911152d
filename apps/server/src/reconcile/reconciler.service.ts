import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { In, LessThanOrEqual, type DataSource, type Repository } from 'typeorm';
import { ACTIVE_INSTANCE_STATUSES, ExecuteType, InstanceStatus } from '@jobnest/common';
import { InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';
import { leaseKey } from '@jobnest/transport';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { ServerConfig } from '../config/server-config';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { InstanceTransitions } from '../dispatch/instance-transitions.service';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import { RedisConnections } from '../redis/redis-connections.service';
import { TimerSyncService } from '../scheduling/timer-sync.service';
import { RedisLease } from './redis-lease';
import { purgeExpiredTasks } from './task-retention';

/** Rows looked at per state per pass; the next pass takes the rest. */
const BATCH = 500;
/** How often expired task rows are purged. */
const PURGE_INTERVAL_MS = 60_000;
/** A distributed instance is handed to another worker at most this often before it fails. */
const MAX_TAKEOVERS = 10;
/** A due instance is left to the normal path (API call, delayed job) this long before the reconciler steps in. */
const DISPATCH_BACKSTOP_MS = 1000;
/** The server-side time limit trails the worker's own by this much (the worker normally reports first). */
const TIME_LIMIT_GRACE_MS = 5000;

/**
 * Repairs what messages alone cannot, on one server at a time (Redis lease):
 * - WAITING_DISPATCH and due: dispatch (again); after the no-worker grace the dispatcher fails it.
 * - WAITING_WORKER_RECEIVE longer than receiveTimeoutMs, or its worker is dead: back to dispatch.
 * - RUNNING on a dead worker: a distributed instance is taken over by another worker (resuming from its task
 *   table); a standalone one is retried within instanceRetries, else FAILED with the reason.
 * - Past instanceTimeLimitMs (+ grace) while the worker did not report: FAILED, and the worker told to abort.
 * - Every timerReconcileIntervalMs (and when it takes the lease): every timer rebuilt from MySQL.
 * - Every minute: task rows of instances finished longer ago than JOBNEST_TASK_RETENTION_MS deleted.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer: NodeJS.Timeout | undefined;
  private lease!: RedisLease;
  private passing = false;
  private holding = false;
  private lastErrorLogAt = 0;
  private lastTimerRebuildAt = 0;
  private lastPurgeAt = 0;

  constructor(
    @InjectRepository(InstanceInfoEntity) private readonly instances: Repository<InstanceInfoEntity>,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly cluster: ClusterViewService,
    private readonly dispatcher: DispatcherService,
    private readonly transitions: InstanceTransitions,
    private readonly commands: WorkerCommands,
    private readonly timers: TimerSyncService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const ttl = Math.max(5000, this.config.reconcileIntervalMs * 5);
    this.lease = new RedisLease(this.connections.commands, leaseKey(this.config.prefix, 'reconciler'), this.config.serverId, ttl);
    void this.cluster.ready.then(() => {
      this.timer = setInterval(() => void this.tick(), this.config.reconcileIntervalMs);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.holding) await this.lease.release().catch(() => undefined);
  }

  /** One pass (exposed for tests and the interval). */
  async tick(): Promise<void> {
    if (this.passing) return;
    this.passing = true;
    try {
      const holding = await this.lease.acquire();
      if (holding !== this.holding) this.logger.log(holding ? 'took the reconciliation lease' : 'lost the reconciliation lease');
      const justTaken = holding && !this.holding;
      this.holding = holding;
      if (!holding) return;
      const now = Date.now();
      if (justTaken || now - this.lastTimerRebuildAt >= this.config.timerReconcileIntervalMs) {
        this.lastTimerRebuildAt = now;
        await this.timers.reconcileAll();
      }
      await this.redispatchWaiting(now);
      await this.recoverUnreceived(now);
      await this.recoverOrphanedRuns(now);
      await this.enforceTimeLimits(now);
      if (now - this.lastPurgeAt >= PURGE_INTERVAL_MS) {
        this.lastPurgeAt = now;
        const deleted = await purgeExpiredTasks(this.dataSource, this.config.taskRetentionMs, now);
        if (deleted > 0) this.logger.log(`deleted ${deleted} task rows past their retention`);
      }
    } catch (err) {
      if (Date.now() - this.lastErrorLogAt > 5000) {
        this.lastErrorLogAt = Date.now();
        this.logger.error(`reconciliation pass failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    } finally {
      this.passing = false;
    }
  }

  private async redispatchWaiting(now: number): Promise<void> {
    const due = await this.instances.find({
      select: { id: true },
      where: { status: InstanceStatus.WAITING_DISPATCH, expectedTriggerTime: LessThanOrEqual(now - DISPATCH_BACKSTOP_MS) },
      order: { expectedTriggerTime: 'ASC' },
      take: BATCH,
    });
    for (const { id } of due) await this.dispatcher.dispatch(id);
  }

  private async recoverUnreceived(now: number): Promise<void> {
    const rows = await this.instances.find({
      where: { status: InstanceStatus.WAITING_WORKER_RECEIVE },
      order: { statusTime: 'ASC' },
      take: BATCH,
    });
    for (const i of rows) {
      const workerId = i.workerId ?? 'none';
      const dead = !this.cluster.isAlive(workerId);
      const late = now - i.statusTime > this.config.receiveTimeoutMs;
      if (!dead && !late) continue;
      const reason = dead
        ? `worker ${workerId} died before receiving run ${i.runningTimes}; dispatching again`
        : `worker ${workerId} did not receive run ${i.runningTimes} within ${this.config.receiveTimeoutMs} ms; dispatching again`;
      if (await this.transitions.requeueRun(i.id, i.workerId, i.runningTimes, reason, null, now, i.resumeNext)) {
        this.logger.warn(`instance ${i.id}: ${reason}`);
        await this.dispatcher.dispatch(i.id);
      }
    }
  }

  private async recoverOrphanedRuns(now: number): Promise<void> {
    const rows = await this.instances.find({ where: { status: InstanceStatus.RUNNING }, take: BATCH * 4 });
    const orphaned = rows.filter(
      (i) => !this.cluster.isAlive(i.workerId ?? 'none') && now - i.statusTime > this.config.workerTimeoutMs,
    );
    if (orphaned.length === 0) return;
    const jobs = await this.jobs.findBy({ id: In([...new Set(orphaned.map((i) => i.jobId))]) });
    const retriesOf = new Map(jobs.map((j) => [j.id, j.instanceRetries]));
    const distributed = new Set(jobs.filter((j) => j.executeType !== ExecuteType.STANDALONE).map((j) => j.id));
    for (const i of orphaned) {
      const reason = `TaskTracker worker ${i.workerId ?? 'none'} stopped heartbeating during run ${i.runningTimes}`;
      if (distributed.has(i.jobId) && i.takeovers < MAX_TAKEOVERS) {
        // Its subtasks are in MySQL: another worker takes the instance over and resumes, finished subtasks stay done.
        if (await this.transitions.requeueForTakeover(i, `${reason}; handed to another worker`, now)) {
          this.logger.warn(`instance ${i.id}: ${reason}; takeover ${i.takeovers + 1}`);
          await this.dispatcher.dispatch(i.id);
        }
        continue;
      }
      const retries = retriesOf.get(i.jobId) ?? 0;
      if (i.runningTimes <= retries) {
        if (await this.transitions.requeueRun(i.id, i.workerId, i.runningTimes, `${reason}; retrying`, null, now)) {
          this.logger.warn(`instance ${i.id}: ${reason}; retrying (${i.runningTimes}/${retries})`);
          await this.dispatcher.dispatch(i.id);
        }
      } else if (await this.transitions.endActive(i.id, [InstanceStatus.RUNNING], InstanceStatus.FAILED, reason, now)) {
        this.logger.warn(`instance ${i.id}: ${reason}; failed (no retries left)`);
      }
    }
  }

  private async enforceTimeLimits(now: number): Promise<void> {
    const rows = await this.instances
      .createQueryBuilder('i')
      .innerJoin(JobInfoEntity, 'j', 'j.id = i.job_id')
      .where('i.status IN (:...statuses)', { statuses: [InstanceStatus.WAITING_WORKER_RECEIVE, InstanceStatus.RUNNING] })
      .andWhere('j.instance_time_limit_ms > 0')
      .andWhere('i.status_time + j.instance_time_limit_ms + :grace < :now', { grace: TIME_LIMIT_GRACE_MS, now })
      .select(['i.id AS id', 'i.worker_id AS workerId', 'j.instance_time_limit_ms AS limitMs'])
      .limit(BATCH)
      .getRawMany<{ id: number | string; workerId: string | null; limitMs: number | string }>();
    for (const row of rows) {
      const id = Number(row.id);
      const reason = `instance time limit of ${Number(row.limitMs)} ms exceeded (worker did not report)`;
      if (await this.transitions.endActive(id, ACTIVE_INSTANCE_STATUSES, InstanceStatus.FAILED, reason, now) && row.workerId) {
        await this.commands.send(row.workerId, { kind: 'StopInstance', instanceId: id, reason });
      }
    }
  }
}
