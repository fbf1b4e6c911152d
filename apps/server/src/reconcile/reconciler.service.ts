import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { ACTIVE_INSTANCE_STATUSES, ExecuteType, InstanceStatus, ThrottledErrorLog } from '@jobnest/common';
import { type InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';
import { AlarmSignals } from '../alarms/signals/alarm-signals';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import { InstanceRepository, type RunningScanCursor } from '../instances/state/instance.repository';
import { InstanceTransitions } from '../instances/state/instance-transitions.service';
import { ServerConfig } from '../platform/config/server-config';
import { RedisConnections } from '../platform/redis/redis-connections.service';
import { SlotFiringService } from '../timers/slot-firing.service';
import { WorkflowAdvancer } from '../workflows/engine/workflow-advancer.service';
import { WorkflowInstanceRepository } from '../workflows/engine/workflow-instance.repository';
import { FlowGate } from '../flow/flow-gate.service';
import { RedisLease } from './redis-lease';
import { RetentionService } from './retention.service';

/** Rows looked at per state per pass; the next pass takes the rest. */
const BATCH = 500;
/** RUNNING rows read per page of the orphan scan (every page is read, each pass). */
const ORPHAN_SCAN_PAGE = 2000;
/** A distributed instance is handed to another worker at most this often before it fails. */
const MAX_TAKEOVERS = 10;
/** A due instance is left to the normal path (API call, delayed job) this long before the reconciler steps in. */
const DISPATCH_BACKSTOP_MS = 1000;
/** The server-side time limit trails the worker's own by this much (the worker normally reports first). */
const TIME_LIMIT_GRACE_MS = 5000;
/** A workflow transition is left to the server that started it this long before the reconciler completes it. */
const WORKFLOW_TRANSITION_BACKSTOP_MS = 2000;

/**
 * Repairs what messages alone cannot, on one server at a time (Redis lease):
 * - WAITING_DISPATCH and due: dispatch (again); after the no-worker grace the dispatcher fails it.
 * - WAITING_WORKER_RECEIVE longer than receiveTimeoutMs, or its worker is dead: back to dispatch (and a StopInstance
 *   to the first worker when the next run went elsewhere).
 * - RUNNING on a dead worker: a distributed instance is taken over by another worker (resuming from its task
 *   table); a standalone one is retried within instanceRetries, else FAILED with the reason.
 * - Past instanceTimeLimitMs (+ grace) while the worker did not report: FAILED, and the worker told to abort.
 * - Workflow instances: a due WAITING one is started (a delayed run whose job Redis lost, a buffered one whose turn
 *   came); a RUNNING one whose transition a dead server left undone (a node ended after its last transition, or
 *   nothing runs) is moved, so none stays RUNNING with nothing running; what an ended one left running is stopped.
 * - Every timerReconcileIntervalMs (and when it takes the lease): every timer rebuilt from MySQL.
 * - Every JOBNEST_RETENTION_INTERVAL_MS: the retention pass (RetentionService), in the background.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerService.name);
  private readonly failures = new ThrottledErrorLog(this.logger, 5000);
  private timer: NodeJS.Timeout | undefined;
  private lease!: RedisLease;
  private passing = false;
  private holding = false;
  private lastTimerRebuildAt = 0;
  /** Live workers per app on the last pass (lease holder only), to notice an app losing its last one. */
  private liveByApp = new Map<number, string[]>();

  constructor(
    private readonly instances: InstanceRepository,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly cluster: ClusterViewService,
    private readonly dispatcher: DispatcherService,
    private readonly transitions: InstanceTransitions,
    private readonly commands: WorkerCommands,
    private readonly slots: SlotFiringService,
    private readonly retention: RetentionService,
    private readonly workflowInstances: WorkflowInstanceRepository,
    private readonly workflows: WorkflowAdvancer,
    private readonly signals: AlarmSignals,
    private readonly flow: FlowGate,
  ) {}

  onApplicationBootstrap(): void {
    const ttl = Math.max(5000, this.config.reconcileIntervalMs * 5);
    this.lease = new RedisLease(
      this.connections.commands,
      this.config.keys.lease('reconciler'),
      this.config.serverId,
      ttl,
    );
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
      if (holding !== this.holding)
        this.logger.log(holding ? 'took the reconciliation lease' : 'lost the reconciliation lease');
      const justTaken = holding && !this.holding;
      this.holding = holding;
      if (!holding) return;
      const now = Date.now();
      if (justTaken || now - this.lastTimerRebuildAt >= this.config.timerReconcileIntervalMs) {
        this.lastTimerRebuildAt = now;
        await this.slots.reconcileTimers();
      }
      this.noticeAppsWithoutWorkers(justTaken, now);
      await this.redispatchWaiting(now);
      // Held instances a crashed server, or a lost wake-up, left waiting with capacity free.
      await this.flow.releaseAllDue(BATCH);
      await this.recoverUnreceived(now);
      await this.recoverOrphanedRuns(now);
      await this.enforceTimeLimits(now);
      await this.repairWorkflows(now);
      this.retention.runIfDue(now, () => this.holding);
    } catch (err) {
      this.failures.error('pass', 'reconciliation pass failed', err);
    } finally {
      this.passing = false;
    }
  }

  private async redispatchWaiting(now: number): Promise<void> {
    for (const id of await this.instances.dueWaitingIds(now - DISPATCH_BACKSTOP_MS, BATCH)) {
      await this.dispatcher.dispatch(id);
    }
  }

  private async recoverUnreceived(now: number): Promise<void> {
    for (const i of await this.instances.awaitingReceipt(BATCH)) {
      const workerId = i.workerId ?? 'none';
      const dead = !this.cluster.isAlive(workerId);
      const late = now - i.statusTime > this.config.receiveTimeoutMs;
      if (!dead && !late) continue;
      const reason = dead
        ? `worker ${workerId} died before receiving run ${i.runningTimes}; dispatching again`
        : `worker ${workerId} did not receive run ${i.runningTimes} within ${this.config.receiveTimeoutMs} ms; dispatching again`;
      if (await this.transitions.requeueRun(i.id, i.workerId, i.runningTimes, reason, null, now, i.resumeNext)) {
        this.logger.warn(`instance ${i.id}: ${reason}`);
        await this.dispatcher.dispatch(i.id, i.workerId ?? undefined);
        if (i.workerId) {
          await this.stopAbandonedRun(i, i.workerId, 'was dispatched again after the worker did not confirm it');
        }
      }
    }
  }

  /**
   * The first worker may hold the run after all (its RUNNING report was lost, or it was paused or cut off and comes
   * back): without a stop it would run the instance beside the next run. Its reports would be dropped by their run
   * number, but the processor's work would be done twice. When the next run went to that same worker, no stop is
   * sent: its RunInstance supersedes the old run there, and a stop would hit the new run. A worker that is really
   * dead never reads the stop; its queue goes with the worker-queue retention.
   */
  private async stopAbandonedRun(
    run: Pick<InstanceInfoEntity, 'id' | 'appId' | 'runningTimes'>,
    workerId: string,
    what: string,
  ): Promise<void> {
    const { id: instanceId, appId, runningTimes } = run;
    if ((await this.instances.currentWorker(instanceId)) === workerId) return;
    const reason = `run ${runningTimes} ${what}`;
    await this.commands
      .send({ workerId, appId }, { kind: 'StopInstance', instanceId, reason })
      .catch((err: unknown) =>
        this.logger.warn(
          `instance ${instanceId}: could not tell worker ${workerId} to stop run ${runningTimes}: ${String(err)}`,
        ),
      );
  }

  /**
   * Looks at every RUNNING row, page by page along idx_instance_status_expected (expected trigger time, then id:
   * a keyset cursor, no OFFSET), so an orphan behind thousands of healthy runs is found in the same pass.
   */
  private async recoverOrphanedRuns(now: number): Promise<void> {
    let after: RunningScanCursor | undefined;
    for (;;) {
      const page = await this.instances.runningPage(after, ORPHAN_SCAN_PAGE);
      await this.recoverOrphans(page, now);
      if (page.length < ORPHAN_SCAN_PAGE) return;
      const last = page[page.length - 1]!;
      after = { expectedTriggerTime: last.expectedTriggerTime, id: last.id };
    }
  }

  private async recoverOrphans(rows: InstanceInfoEntity[], now: number): Promise<void> {
    const orphaned = rows.filter(
      // A RUNNING report may come before this server saw the worker's first heartbeat: wait out the heartbeat
      // timeout, unless the worker said it shut down (a SIGTERM'd worker's runs are retried or handed over at once).
      (i) =>
        !this.cluster.isAlive(i.workerId ?? 'none') &&
        (now - i.statusTime > this.config.workerTimeoutMs || this.cluster.hasShutDown(i.workerId ?? 'none')),
    );
    if (orphaned.length === 0) return;
    this.signalLostWorkers(orphaned);
    const jobs = await this.jobs.findBy({ id: In([...new Set(orphaned.map((i) => i.jobId))]) });
    const retriesOf = new Map(jobs.map((j) => [j.id, j.instanceRetries]));
    const distributed = new Set(jobs.filter((j) => j.executeType !== ExecuteType.STANDALONE).map((j) => j.id));
    for (const i of orphaned) {
      const reason = `worker ${i.workerId ?? 'none'} stopped heartbeating during run ${i.runningTimes}`;
      if (distributed.has(i.jobId) && i.takeovers < MAX_TAKEOVERS) {
        // Its subtasks are in MySQL: another worker takes the instance over and resumes, finished subtasks stay done.
        // No stop to the silent worker: should it come back, it may run subtasks for the new TaskTracker, and a stop
        // (which names no run) would abort those; its old TaskTracker's results are dropped by run number.
        if (await this.transitions.requeueForTakeover(i, `${reason}; handed to another worker`, now)) {
          this.logger.warn(`instance ${i.id}: ${reason}; takeover ${i.takeovers + 1}`);
          await this.dispatcher.dispatch(i.id, i.workerId ?? undefined);
        }
        continue;
      }
      const retries = i.instanceRetriesOverride ?? retriesOf.get(i.jobId) ?? 0;
      if (i.runningTimes <= retries) {
        if (await this.transitions.requeueRun(i.id, i.workerId, i.runningTimes, `${reason}; retrying`, null, now)) {
          this.logger.warn(`instance ${i.id}: ${reason}; retrying (${i.runningTimes}/${retries})`);
          await this.dispatcher.dispatch(i.id, i.workerId ?? undefined);
          if (i.workerId) await this.stopAbandonedRun(i, i.workerId, 'was retried after the worker went silent');
        }
      } else if (await this.transitions.endActive(i.id, [InstanceStatus.RUNNING], InstanceStatus.FAILED, reason, now)) {
        this.logger.warn(`instance ${i.id}: ${reason}; failed (no retries left)`);
        if (i.workerId) await this.stopAbandonedRun(i, i.workerId, 'failed after the worker went silent');
      }
    }
  }

  /** The workers that went silent (not those that said they shut down) while they ran these instances. */
  private signalLostWorkers(orphaned: readonly InstanceInfoEntity[]): void {
    const byWorker = new Map<string, InstanceInfoEntity[]>();
    for (const i of orphaned) {
      if (i.workerId === null || this.cluster.hasShutDown(i.workerId)) continue;
      byWorker.set(i.workerId, [...(byWorker.get(i.workerId) ?? []), i]);
    }
    for (const [workerId, held] of byWorker) {
      const runs = held
        .map((i) => ({ instanceId: i.id, run: i.runningTimes }))
        .sort((a, b) => a.instanceId - b.instanceId);
      this.signals.raise({ kind: 'worker-lost', workerId, appId: held[0]!.appId, runs });
    }
  }

  /**
   * Apps whose live workers all went away since the last pass (this server's view; one server holds the lease, so
   * one notices). A server that just took the lease starts from what it sees: an app that went dark during the
   * handover is not reported.
   */
  private noticeAppsWithoutWorkers(justTaken: boolean, now: number): void {
    const live = new Map<number, string[]>();
    for (const w of this.cluster.liveWorkerStates()) {
      const ids = live.get(w.appId);
      if (ids) ids.push(w.workerId);
      else live.set(w.appId, [w.workerId]);
    }
    if (!justTaken) {
      for (const [appId, before] of this.liveByApp) {
        if (!live.has(appId))
          this.signals.raise({ kind: 'app-no-worker', appId, lastWorkerIds: before, noticedAt: now });
      }
    }
    this.liveByApp = live;
  }

  private async repairWorkflows(now: number): Promise<void> {
    for (const wf of await this.workflowInstances.dueWaiting(now, BATCH)) {
      if (wf.buffered || now - wf.expectedTriggerTime >= DISPATCH_BACKSTOP_MS) await this.workflows.start(wf.id);
    }
    // Also writes the snapshot of instances whose recent transitions only mirrored their node runs (not written).
    for (const id of await this.workflowInstances.needingTransition(now - WORKFLOW_TRANSITION_BACKSTOP_MS, BATCH)) {
      await this.workflows.advance(id, true);
    }
    const stopped = await this.workflows.stopLeftovers(now - WORKFLOW_TRANSITION_BACKSTOP_MS, BATCH);
    if (stopped > 0) this.logger.warn(`stopped ${stopped} node(s) left running by ended workflow instances`);
  }

  private async enforceTimeLimits(now: number): Promise<void> {
    for (const row of await this.instances.pastTimeLimit(now, TIME_LIMIT_GRACE_MS, BATCH)) {
      const { id } = row;
      const reason = `instance time limit of ${row.limitMs} ms exceeded (worker did not report)`;
      if (
        (await this.transitions.endActive(id, ACTIVE_INSTANCE_STATUSES, InstanceStatus.FAILED, reason, now)) &&
        row.workerId
      ) {
        await this.commands.send(
          { workerId: row.workerId, appId: row.appId },
          { kind: 'StopInstance', instanceId: id, reason },
        );
      }
    }
  }
}
