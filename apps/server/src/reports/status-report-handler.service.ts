import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { InstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { InstanceRepository } from '../instances/state/instance.repository';
import { InstanceTransitions } from '../instances/state/instance-transitions.service';
import { ServerConfig } from '../platform/config/server-config';
import { retryLockConflicts } from '../platform/database/lock-conflict-retries';
import { MetricsService } from '../platform/observability/metrics.service';
import { planReportBatch, type ReportBatchPlan, type ReportedRow, type ReportOutcome } from './report-batch-plan';

export type { ReportOutcome } from './report-batch-plan';

/**
 * Applies a batch of status reports of runs' workers to MySQL in one transaction: the reports' instance rows are
 * read and locked (one SELECT ... FOR UPDATE), planReportBatch decides what each report does, and the changes are
 * written one UPDATE per kind of change (InstanceTransitions.writeChanges). A batch of one instance's reports skips
 * the transaction: one read, one UPDATE conditional on the row as read (decided again under the lock if it lost). Locked, the decision holds: a stop, a
 * time limit or another server's report that comes meanwhile waits, then finds the changed row. After COMMIT the
 * ended instances are announced (workflows, FIXED_DELAY chains, metrics) and failed runs with retries left go back
 * to dispatch.
 */
@Injectable()
export class StatusReportHandler {
  private readonly logger = new Logger(StatusReportHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instances: InstanceRepository,
    private readonly transitions: InstanceTransitions,
    private readonly dispatcher: DispatcherService,
    private readonly metrics: MetricsService,
    private readonly config: ServerConfig,
  ) {}

  /**
   * One outcome per report, in the reports' order (stream order: an instance's reports apply in this order).
   * `streamApps`: the app whose stream carried each report (null: not checked); see ReportBatchInput.
   */
  async apply(
    reports: readonly InstanceStatusReport[],
    streamApps?: readonly (number | null)[],
  ): Promise<ReportOutcome[]> {
    if (reports.length === 0) return [];
    const plan = await this.decideAndWrite(reports, streamApps);
    for (const line of plan.drops) this.logger.debug(line);
    for (const outcome of plan.outcomes)
      this.metrics.reports.inc({ outcome: outcome === 'applied' ? 'applied' : 'dropped' });
    this.transitions.announceEnded(plan.ended);
    // Elsewhere when possible: the worker that failed the run may be sick or shutting down.
    for (const { id, avoidWorker } of plan.requeued) this.dispatcher.dispatchInBackground(id, undefined, avoidWorker);
    return plan.outcomes;
  }

  private async decideAndWrite(
    reports: readonly InstanceStatusReport[],
    streamApps: readonly (number | null)[] | undefined,
  ): Promise<ReportBatchPlan> {
    const ids = [...new Set(reports.map((r) => r.instanceId))].sort((a, b) => a - b);
    if (ids.length === 1) {
      const plan = await this.decideOneUnlocked(reports, streamApps, ids[0]!);
      if (plan) return plan;
    }
    // A lock conflict (a deadlock, a lock wait timeout) rolled back: decide again from a fresh read.
    return retryLockConflicts(() =>
      this.dataSource.transaction(async (tx) => {
        const plan = await this.plan(reports, streamApps, await this.instances.lockRows(tx, ids), tx);
        await this.transitions.writeChanges(tx, plan.changes);
        return plan;
      }),
    );
  }

  /**
   * The reports of a single instance (the usual batch when reports trickle in: a run's end, a workflow node's):
   * read without a lock, then one UPDATE conditional on the row being as read, no BEGIN and COMMIT. Undefined
   * when the row changed in between: the caller decides again under the lock.
   */
  private async decideOneUnlocked(
    reports: readonly InstanceStatusReport[],
    streamApps: readonly (number | null)[] | undefined,
    id: number,
  ): Promise<ReportBatchPlan | undefined> {
    const rows = await this.instances.readRows([id]);
    const plan = await this.plan(reports, streamApps, rows, this.dataSource.manager);
    const change = plan.changes.get(id);
    const row = rows.get(id);
    if (!change || !row) return plan; // nothing to write: every report was dropped (or the instance is unknown)
    return (await this.transitions.writeChangeIfUnchanged(id, row, change)) ? plan : undefined;
  }

  private async plan(
    reports: readonly InstanceStatusReport[],
    streamApps: readonly (number | null)[] | undefined,
    rows: ReadonlyMap<number, ReportedRow>,
    tx: EntityManager,
  ): Promise<ReportBatchPlan> {
    // Read only when a run failed: the retries left decide between a retry and FAILED.
    const failedJobs = [
      ...new Set(
        reports.flatMap((r) => {
          const row = r.status === InstanceStatus.FAILED ? rows.get(r.instanceId) : undefined;
          return row ? [row.jobId] : [];
        }),
      ),
    ];
    const jobRetries = new Map<number, number>();
    if (failedJobs.length > 0) {
      const jobs = await tx.getRepository(JobInfoEntity).find({
        select: { id: true, instanceRetries: true },
        where: { id: In(failedJobs) },
      });
      for (const job of jobs) jobRetries.set(job.id, job.instanceRetries);
    }
    return planReportBatch({
      reports,
      streamApps,
      rows,
      jobRetries,
      contextMaxBytes: this.config.workflowContextMaxBytes,
      now: Date.now(),
    });
  }
}
