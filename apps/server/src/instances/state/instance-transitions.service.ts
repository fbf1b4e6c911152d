import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, type EntityManager, type Repository } from 'typeorm';
import { HoldReason, InstanceStatus } from '@jobnest/common';
import { InstanceInfoEntity } from '@jobnest/persistence';
import { MetricsService } from '../../platform/observability/metrics.service';
import type { EndedInstance, InstanceChange } from './instance-change';
import { InstanceEvents } from './instance-events';
import { clipReason } from './status-reason';

/**
 * Every change of an instance's status, as one conditional UPDATE: the WHERE clause states the status (and run)
 * the change starts from, so two servers, a late report or a replayed message can never move an instance twice.
 * Each method returns whether it won; writeChanges writes what its caller decided under the rows' locks. `waitingForWorker` is set by markWaitingForWorker only and cleared by every
 * other change that writes a reason, so it always matches the reason shown.
 */
@Injectable()
export class InstanceTransitions {
  constructor(
    @InjectRepository(InstanceInfoEntity) private readonly instances: Repository<InstanceInfoEntity>,
    private readonly metrics: MetricsService,
    private readonly events: InstanceEvents,
  ) {}

  private ended(instanceId: number, status: InstanceStatus, workflowInstanceId?: number | null): void {
    this.announceEnded([{ id: instanceId, status, workflowInstanceId }]);
  }

  /** Counts and announces instances that reached a final status (after the change committed). */
  announceEnded(ended: readonly EndedInstance[]): void {
    for (const e of ended) {
      this.metrics.instancesFinished.inc({ status: e.status });
      this.events.finished(e);
    }
  }

  /**
   * Writes the changes a caller decided under the rows' locks (in `tx`, which holds them): rows changing the same
   * columns share one UPDATE, a value that differs between them chosen by id (CASE), so a batch of reports costs one
   * statement per kind of change (RUNNING, SUCCEEDED, FAILED, a retry...) instead of one per report.
   */
  async writeChanges(tx: EntityManager, changes: ReadonlyMap<number, InstanceChange>): Promise<void> {
    const groups = new Map<string, { columns: (keyof InstanceChange)[]; rows: [number, InstanceChange][] }>();
    for (const [id, change] of changes) {
      const columns = (Object.keys(change) as (keyof InstanceChange)[]).sort();
      if (columns.length === 0) continue;
      const key = columns.join(',');
      const group = groups.get(key) ?? { columns, rows: [] };
      group.rows.push([id, change]);
      groups.set(key, group);
    }
    for (const { columns, rows } of groups.values()) {
      const params: unknown[] = [];
      const sets = columns.map((property) => {
        const column = this.columnName(property);
        const values = rows.map(([, change]) => change[property]);
        if (values.every((v) => v === values[0])) {
          params.push(values[0]);
          return `${column} = ?`;
        }
        rows.forEach(([id], i) => params.push(id, values[i]));
        return `${column} = CASE id ${rows.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ${column} END`;
      });
      params.push(...rows.map(([id]) => id));
      await tx.query(
        `UPDATE instance_info SET ${sets.join(', ')} WHERE id IN (${rows.map(() => '?').join(', ')})`,
        params,
      );
    }
  }

  /**
   * Writes one instance's change only if the row still has the status, run and worker it was decided from (one
   * conditional UPDATE, no transaction); false when something changed it meanwhile.
   */
  async writeChangeIfUnchanged(
    instanceId: number,
    readAs: { status: InstanceStatus; runningTimes: number; workerId: string | null },
    change: InstanceChange,
  ): Promise<boolean> {
    const update = await this.instances.update(
      {
        id: instanceId,
        status: readAs.status,
        runningTimes: readAs.runningTimes,
        workerId: readAs.workerId === null ? IsNull() : readAs.workerId,
      },
      change,
    );
    return update.affected === 1;
  }

  private columnName(property: keyof InstanceChange): string {
    const column = this.instances.metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`instance_info has no column for ${property}`);
    return column.databaseName;
  }

  /**
   * WAITING_DISPATCH -> WAITING_WORKER_RECEIVE on `workerId`, as run `runningTimes + 1`. `startsAt` is when the run
   * starts: now, or its slot for a timer slot dispatched ahead.
   */
  async markDispatched(instance: InstanceInfoEntity, workerId: string, now: number, startsAt = now): Promise<boolean> {
    const result = await this.instances.update(
      { id: instance.id, status: InstanceStatus.WAITING_DISPATCH, runningTimes: instance.runningTimes },
      {
        status: InstanceStatus.WAITING_WORKER_RECEIVE,
        workerId,
        runningTimes: instance.runningTimes + 1,
        actualTriggerTime: instance.actualTriggerTime ?? startsAt,
        statusTime: now,
        statusReason: null,
        waitingForWorker: false,
        resumeNext: false,
      },
    );
    return result.affected === 1;
  }

  /**
   * Puts a due instance of a job under flow control that was never let through (a delayed run, a user retry) in the
   * flow's wait; the FlowGate decides when it starts. Whether it won.
   */
  async holdForFlow(instanceId: number, heldBy: HoldReason, reason: string): Promise<boolean> {
    const update = await this.instances.update(
      { id: instanceId, status: InstanceStatus.WAITING_DISPATCH, heldBy: IsNull(), admittedTime: IsNull() },
      { heldBy, statusReason: clipReason(reason), waitingForWorker: false, statusTime: Date.now() },
    );
    return update.affected === 1;
  }

  /** A dispatch attempt found no eligible worker: the instance waits for one, `reason` says why (shown by the API). */
  async markWaitingForWorker(instanceId: number, reason: string): Promise<void> {
    await this.instances.update(
      { id: instanceId, status: InstanceStatus.WAITING_DISPATCH },
      { statusReason: clipReason(reason), waitingForWorker: true },
    );
  }

  /**
   * Puts a run back to WAITING_DISPATCH for its next run (instanceRetries, takeover, receive timeout).
   * `resume`: the next TaskTracker continues from the task table (a takeover) instead of starting over.
   */
  async requeueRun(
    instanceId: number,
    workerId: string | null,
    runningTimes: number,
    reason: string,
    result: string | null,
    now: number,
    resume = false,
  ): Promise<boolean> {
    const update = await this.instances.update(
      {
        id: instanceId,
        runningTimes,
        status: In([InstanceStatus.WAITING_WORKER_RECEIVE, InstanceStatus.RUNNING]),
        ...(workerId === null ? {} : { workerId }),
      },
      {
        status: InstanceStatus.WAITING_DISPATCH,
        workerId: null,
        statusReason: clipReason(reason),
        waitingForWorker: false,
        result,
        statusTime: now,
        resumeNext: resume,
      },
    );
    return update.affected === 1;
  }

  /** A takeover: the next run of a distributed instance resumes from its task table. */
  async requeueForTakeover(instance: InstanceInfoEntity, reason: string, now: number): Promise<boolean> {
    const update = await this.instances.update(
      {
        id: instance.id,
        runningTimes: instance.runningTimes,
        status: In([InstanceStatus.WAITING_WORKER_RECEIVE, InstanceStatus.RUNNING]),
      },
      {
        status: InstanceStatus.WAITING_DISPATCH,
        workerId: null,
        statusReason: clipReason(reason),
        waitingForWorker: false,
        statusTime: now,
        resumeNext: true,
        takeovers: instance.takeovers + 1,
      },
    );
    return update.affected === 1;
  }

  /** Fails or ends an instance that is still active, whatever its run (no-worker grace, time limit, user stop). */
  async endActive(
    instanceId: number,
    from: readonly InstanceStatus[],
    status: InstanceStatus.FAILED | InstanceStatus.STOPPED | InstanceStatus.CANCELED,
    reason: string,
    now: number,
  ): Promise<boolean> {
    const update = await this.instances.update(
      { id: instanceId, status: In([...from]) },
      {
        status,
        statusReason: clipReason(reason),
        waitingForWorker: false,
        result: clipReason(reason),
        finishedTime: now,
        statusTime: now,
      },
    );
    if (update.affected === 1) this.ended(instanceId, status);
    return update.affected === 1;
  }

  /** A finished instance starts again as a new run (user retry). */
  async restartFinished(instanceId: number, from: InstanceStatus, now: number): Promise<boolean> {
    const update = await this.instances.update(
      { id: instanceId, status: from },
      {
        status: InstanceStatus.WAITING_DISPATCH,
        workerId: null,
        result: null,
        finishedTime: null,
        statusReason: 'retried by user',
        waitingForWorker: false,
        statusTime: now,
        taskCounts: null,
        resumeNext: false,
        // Under flow control the run waits for its turn again (the dispatcher hands it to the FlowGate).
        admittedTime: null,
        heldBy: null,
      },
    );
    return update.affected === 1;
  }
}
