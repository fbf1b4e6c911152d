import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { HoldReason, InstanceStatus, selectWorkers, type RunInstanceCommand } from '@jobnest/common';
import { type InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { InstanceEvents } from '../instances/state/instance-events';
import { InstanceRepository } from '../instances/state/instance.repository';
import { InstanceTransitions } from '../instances/state/instance-transitions.service';
import { ServerConfig } from '../platform/config/server-config';
import { MetricsService } from '../platform/observability/metrics.service';
import { WorkerCommands } from './worker-commands.provider';
import type { RunCommandSource } from './run-command-source';

/**
 * How early (ms) an instance may be dispatched before its expected trigger time: timer slots are dispatched ahead
 * (their triggers are due 300 ms early) and started on the dot by the worker (`notBefore`).
 */
export const EARLY_TOLERANCE_MS = 1000;

/** Start of the status reason of an instance a dispatch attempt found no eligible worker for (shown by the API). */
export const WAITING_FOR_WORKER = 'waiting for a worker';

/**
 * Sends a due WAITING_DISPATCH instance to the best eligible worker: WAITING_DISPATCH -> WAITING_WORKER_RECEIVE,
 * then `RunInstance` on that worker's own queue. Safe to call from anywhere, any number of times: only the caller
 * whose conditional UPDATE wins sends the command.
 */
@Injectable()
export class DispatcherService {
  private readonly logger = new Logger(DispatcherService.name);

  constructor(
    private readonly instances: InstanceRepository,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly cluster: ClusterViewService,
    private readonly transitions: InstanceTransitions,
    private readonly commands: WorkerCommands,
    private readonly config: ServerConfig,
    private readonly metrics: MetricsService,
    private readonly events: InstanceEvents,
  ) {}

  /**
   * `avoidWorker`: the worker whose run just failed. The next run goes to another eligible worker when there is one:
   * the failing worker may be sick, or shutting down (its FAILED reports of aborted runs come before the heartbeat
   * that says it is leaving, so this server may not know yet).
   */
  async dispatch(instanceId: number, avoidWorker?: string): Promise<void> {
    const instance = await this.instances.findById(instanceId);
    if (!instance || instance.status !== InstanceStatus.WAITING_DISPATCH) return;
    const job = await this.jobs.findOneBy({ id: instance.jobId });
    if (!job) {
      await this.transitions.endActive(
        instance.id,
        [InstanceStatus.WAITING_DISPATCH],
        InstanceStatus.FAILED,
        `job ${instance.jobId} was deleted`,
        Date.now(),
      );
      return;
    }
    await this.dispatchLoaded(instance, job, avoidWorker);
  }

  /** As dispatch(), for a caller that holds the rows already (a launch that just inserted the instance). */
  async dispatchLoaded(instance: InstanceInfoEntity, job: JobInfoEntity, avoidWorker?: string): Promise<void> {
    const now = Date.now();
    if (instance.status !== InstanceStatus.WAITING_DISPATCH) return;
    if (instance.expectedTriggerTime > now + EARLY_TOLERANCE_MS) return;
    if (instance.heldBy !== null) return;
    if (instance.flowKey !== null && instance.admittedTime === null) {
      // Launched under flow control and never let through (a delayed run now due, a user retry): it waits its turn.
      if (
        await this.transitions.holdForFlow(instance.id, HoldReason.CONCURRENCY, 'waiting for its turn (flow control)')
      )
        this.events.flowWaiting(job.id);
      return;
    }
    const selection = selectWorkers(this.cluster.liveWorkers(job.appId), job);
    const worker = selection.workers.find((w) => w.workerId !== avoidWorker) ?? selection.workers[0];
    if (!worker) {
      this.metrics.dispatches.inc({ outcome: 'no_worker' });
      const waited = now - Math.max(instance.statusTime, instance.expectedTriggerTime);
      const reason = selection.reason ?? 'no eligible worker';
      if (waited >= this.config.noWorkerGraceMs) {
        await this.transitions.endActive(
          instance.id,
          [InstanceStatus.WAITING_DISPATCH],
          InstanceStatus.FAILED,
          `no worker available: ${reason} (waited ${Math.round(waited / 1000)} s)`,
          now,
        );
      } else if (!instance.waitingForWorker || instance.statusReason !== `${WAITING_FOR_WORKER}: ${reason}`) {
        await this.transitions.markWaitingForWorker(instance.id, `${WAITING_FOR_WORKER}: ${reason}`);
      }
      return;
    }
    const notBefore =
      instance.triggerSlot !== null && instance.expectedTriggerTime > now ? instance.expectedTriggerTime : 0;
    if (!(await this.transitions.markDispatched(instance, worker.workerId, now, Math.max(now, notBefore)))) return;
    await this.sendRun(instance, job, worker.workerId, instance.runningTimes + 1, notBefore, now);
  }

  /**
   * The worker a launch may write into the instance row it inserts, so the instance is dispatched with its INSERT
   * (one UPDATE less between a launch and its start); undefined when none is eligible now (the row is then inserted
   * WAITING_DISPATCH and goes through dispatchLoaded).
   */
  chooseWorker(job: JobInfoEntity): string | undefined {
    return this.eligibleWorkers(job)[0];
  }

  /** Ids of the workers an instance of the job may go to now, best first (empty when none is eligible). */
  eligibleWorkers(job: JobInfoEntity): string[] {
    return selectWorkers(this.cluster.liveWorkers(job.appId), job).workers.map((w) => w.workerId);
  }

  /**
   * Sends `RunInstance` for run `runningTimes` of an instance already dispatched to `workerId` in MySQL (by
   * markDispatched, or inserted so). Should Redis refuse it, the row says WAITING_WORKER_RECEIVE and the
   * reconciler's receive timeout dispatches it again.
   */
  async sendRun(
    instance: RunCommandSource,
    job: JobInfoEntity,
    workerId: string,
    runningTimes: number,
    notBefore: number,
    now: number,
  ): Promise<void> {
    const command: RunInstanceCommand = {
      kind: 'RunInstance',
      instanceId: instance.id,
      jobId: job.id,
      appId: job.appId,
      processor: job.processor,
      executeType: job.executeType,
      jobParams: instance.jobParamsOverride ?? job.jobParams,
      instanceParams: instance.instanceParams,
      runningTimes,
      taskRetries: job.taskRetries,
      concurrency: job.concurrency,
      instanceTimeLimitMs: instance.timeLimitOverrideMs ?? job.instanceTimeLimitMs,
      dispatchedAt: now,
      placement: {
        dispatchStrategy: job.dispatchStrategy,
        designatedWorkers: job.designatedWorkers,
        minCpuCores: job.minCpuCores,
        minMemoryMb: job.minMemoryMb,
        maxWorkerCount: job.maxWorkerCount,
      },
      workerTimeoutMs: this.config.workerTimeoutMs,
      resume: instance.resumeNext,
      notBefore,
      ...(instance.wfInstanceId !== null
        ? {
            workflow: {
              workflowInstanceId: instance.wfInstanceId,
              nodeId: instance.wfNodeId ?? '',
              context: instance.wfContext ?? '{}',
              maxAdditionsBytes: this.config.workflowContextMaxBytes,
            },
          }
        : {}),
    };
    try {
      await this.commands.send({ workerId, appId: job.appId }, command);
      this.metrics.dispatches.inc({ outcome: 'sent' });
    } catch (err) {
      // The row says WAITING_WORKER_RECEIVE: the reconciler's receive timeout dispatches it again.
      this.logger.error(`could not send instance ${instance.id} to ${workerId}: ${String(err)}`);
    }
  }

  /**
   * Dispatches without making the caller wait or fail (report consumers, API after commit); `avoidWorker` as for
   * dispatch().
   */
  dispatchInBackground(
    instanceId: number,
    loaded?: { instance: InstanceInfoEntity; job: JobInfoEntity },
    avoidWorker?: string,
  ): void {
    const dispatching = loaded
      ? this.dispatchLoaded(loaded.instance, loaded.job, avoidWorker)
      : this.dispatch(instanceId, avoidWorker);
    dispatching.catch((err: unknown) =>
      this.logger.error(`dispatch of instance ${instanceId} failed, the reconciler will retry: ${String(err)}`),
    );
  }
}
