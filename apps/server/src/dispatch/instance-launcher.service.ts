import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ACTIVE_INSTANCE_STATUSES, InstanceStatus } from '@jobnest/common';
import { InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';
import { DelayedDispatchService } from './delayed-dispatch.service';
import { DispatcherService, WAITING_FOR_WORKER } from './dispatcher.service';

export interface LaunchRequest {
  instanceParams: string | null;
  delayMs: number;
}

/** What became of a timer slot. */
export type SlotOutcome =
  | { kind: 'launched'; instanceId: number; instance?: InstanceInfoEntity }
  | { kind: 'duplicate' }
  | { kind: 'skipped'; reason: string };

const DUPLICATE_ENTRY = 'ER_DUP_ENTRY';

/**
 * Creates instance rows and starts their dispatch, for API runs and timer slots. The job's row is locked while
 * its unfinished instances are counted, so concurrent launches (from several servers too) cannot overshoot
 * maxInstances; a timer slot is unique per (job, slot) in MySQL, so a replayed trigger creates nothing.
 */
@Injectable()
export class InstanceLauncher {
  private readonly logger = new Logger(InstanceLauncher.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: DispatcherService,
    private readonly delayed: DelayedDispatchService,
  ) {}

  /** An API run: 409 when maxInstances unfinished instances exist. */
  async launch(job: JobInfoEntity, request: LaunchRequest): Promise<number> {
    const now = Date.now();
    const instance = await this.dataSource.transaction(async (tx) => {
      if (job.maxInstances > 0) {
        const active = await this.lockAndCountActive(tx, job.id);
        if (active.total >= job.maxInstances) {
          throw new ConflictException(
            `job ${job.id} already has ${active.total} unfinished instance(s) (maxInstances=${job.maxInstances})`,
          );
        }
      }
      return this.insert(tx, job, {
        instanceParams: request.instanceParams,
        expected: now + request.delayMs,
        slot: null,
        reason: request.delayMs > 0 ? `scheduled in ${request.delayMs} ms` : null,
        now,
      });
    });
    if (request.delayMs > 0) {
      // Should Redis refuse the timer, the reconciler still dispatches the row once it is due.
      await this.delayed
        .schedule(instance.id, request.delayMs)
        .catch((err: unknown) =>
          this.logger.warn(
            `delayed dispatch of instance ${instance.id} not queued, reconciler will pick it up: ${String(err)}`,
          ),
        );
    } else {
      this.dispatcher.dispatchInBackground(instance.id, { instance, job });
    }
    return instance.id;
  }

  /**
   * A timer slot. Skipped (not stacked) while an earlier instance still waits for a worker or maxInstances
   * unfinished instances exist; a slot that already has its instance is a duplicate.
   */
  async launchSlot(job: JobInfoEntity, slot: number): Promise<SlotOutcome> {
    const now = Date.now();
    let outcome: SlotOutcome;
    try {
      outcome = await this.dataSource.transaction(async (tx): Promise<SlotOutcome> => {
        const active = await this.lockAndCountActive(tx, job.id);
        if (active.waitingDispatch > 0) {
          return { kind: 'skipped', reason: 'the previous instance is still waiting for a worker' };
        }
        if (job.maxInstances > 0 && active.total >= job.maxInstances) {
          return { kind: 'skipped', reason: `maxInstances=${job.maxInstances} unfinished instances exist` };
        }
        const instance = await this.insert(tx, job, { instanceParams: null, expected: slot, slot, reason: null, now });
        return { kind: 'launched', instanceId: instance.id, instance };
      });
    } catch (err) {
      if ((err as { code?: string }).code === DUPLICATE_ENTRY) return { kind: 'duplicate' };
      throw err;
    }
    if (outcome.kind === 'launched' && outcome.instance) await this.dispatcher.dispatchLoaded(outcome.instance, job);
    return outcome;
  }

  /**
   * Locks the job's row and counts its unfinished instances, and among them those a dispatch attempt already found
   * no worker for (an instance merely between its insert and its dispatch is not "waiting for a worker").
   */
  private async lockAndCountActive(
    tx: EntityManager,
    jobId: number,
  ): Promise<{ total: number; waitingDispatch: number }> {
    await tx
      .getRepository(JobInfoEntity)
      .createQueryBuilder('j')
      .setLock('pessimistic_write')
      .where('j.id = :id', { id: jobId })
      .getOne();
    const [row] = await tx
      .getRepository(InstanceInfoEntity)
      .createQueryBuilder('i')
      .select('COUNT(*)', 'total')
      .addSelect(`SUM(i.status = :waiting AND i.status_reason LIKE :reason)`, 'waitingForWorker')
      .where('i.job_id = :jobId', { jobId })
      .andWhere('i.status IN (:...statuses)', { statuses: [...ACTIVE_INSTANCE_STATUSES] })
      .setParameters({ waiting: InstanceStatus.WAITING_DISPATCH, reason: `${WAITING_FOR_WORKER}%` })
      .getRawMany<{ total: string | number; waitingForWorker: string | number | null }>();
    return { total: Number(row?.total ?? 0), waitingDispatch: Number(row?.waitingForWorker ?? 0) };
  }

  private async insert(
    tx: EntityManager,
    job: JobInfoEntity,
    row: { instanceParams: string | null; expected: number; slot: number | null; reason: string | null; now: number },
  ): Promise<InstanceInfoEntity> {
    const repo = tx.getRepository(InstanceInfoEntity);
    return repo.save(
      repo.create({
        appId: job.appId,
        jobId: job.id,
        status: InstanceStatus.WAITING_DISPATCH,
        statusReason: row.reason,
        result: null,
        workerId: null,
        runningTimes: 0,
        instanceParams: row.instanceParams,
        triggerSlot: row.slot,
        expectedTriggerTime: row.expected,
        actualTriggerTime: null,
        finishedTime: null,
        statusTime: row.now,
        taskCounts: null,
        resumeNext: false,
        takeovers: 0,
      }),
    );
  }
}
