import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { InstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { InstanceRepository } from '../instances/state/instance.repository';
import { InstanceTransitions } from '../instances/state/instance-transitions.service';
import { ServerConfig } from '../platform/config/server-config';
import { MetricsService } from '../platform/observability/metrics.service';
import { planReportBatch, type ReportBatchPlan, type ReportOutcome } from './report-batch-plan';

export type { ReportOutcome } from './report-batch-plan';

/** Deadlocks and lock wait timeouts: the batch is applied again from a fresh read. */
const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const ATTEMPTS = 3;

/**
 * Applies a batch of status reports of runs' workers to MySQL in one transaction: the reports' instance rows are
 * read and locked (one SELECT ... FOR UPDATE), planReportBatch decides what each report does, and the changes are
 * written one UPDATE per kind of change (InstanceTransitions.writeChanges). Locked, the decision holds: a stop, a
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

  /** One outcome per report, in the reports' order (stream order: an instance's reports apply in this order). */
  async apply(reports: readonly InstanceStatusReport[]): Promise<ReportOutcome[]> {
    if (reports.length === 0) return [];
    const plan = await this.decideAndWrite(reports);
    for (const line of plan.drops) this.logger.debug(line);
    for (const outcome of plan.outcomes)
      this.metrics.reports.inc({ outcome: outcome === 'applied' ? 'applied' : 'dropped' });
    this.transitions.announceEnded(plan.ended);
    // Elsewhere when possible: the worker that failed the run may be sick or shutting down.
    for (const { id, avoidWorker } of plan.requeued) this.dispatcher.dispatchInBackground(id, undefined, avoidWorker);
    return plan.outcomes;
  }

  private async decideAndWrite(reports: readonly InstanceStatusReport[]): Promise<ReportBatchPlan> {
    const ids = [...new Set(reports.map((r) => r.instanceId))].sort((a, b) => a - b);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (tx) => {
          const rows = await this.instances.lockRows(tx, ids);
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
          const plan = planReportBatch({
            reports,
            rows,
            jobRetries,
            contextMaxBytes: this.config.workflowContextMaxBytes,
            now: Date.now(),
          });
          await this.transitions.writeChanges(tx, plan.changes);
          return plan;
        });
      } catch (err) {
        if (attempt >= ATTEMPTS || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      }
    }
  }
}
