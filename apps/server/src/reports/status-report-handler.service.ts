import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { InstanceStatus, isFinalInstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import { type InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { InstanceRepository } from '../instances/state/instance.repository';
import { InstanceTransitions } from '../instances/state/instance-transitions.service';
import { ServerConfig } from '../platform/config/server-config';
import { MetricsService } from '../platform/observability/metrics.service';

export type ReportOutcome = 'applied' | 'dropped' | 'unknown-instance';

/**
 * Applies one status report of a run's worker to MySQL. Drops reports of unknown or finished instances, of an older run, and
 * of a worker that is not the run's worker. A FAILED run with instanceRetries left goes back to dispatch.
 */
@Injectable()
export class StatusReportHandler {
  private readonly logger = new Logger(StatusReportHandler.name);

  constructor(
    private readonly instances: InstanceRepository,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly transitions: InstanceTransitions,
    private readonly dispatcher: DispatcherService,
    private readonly metrics: MetricsService,
    private readonly config: ServerConfig,
  ) {}

  async apply(report: InstanceStatusReport): Promise<ReportOutcome> {
    const outcome = await this.decide(report);
    this.metrics.reports.inc({ outcome: outcome === 'applied' ? 'applied' : 'dropped' });
    return outcome;
  }

  private async decide(report: InstanceStatusReport): Promise<ReportOutcome> {
    const instance = await this.instances.findById(report.instanceId);
    if (!instance) return 'unknown-instance';
    if (isFinalInstanceStatus(instance.status)) return this.drop(report, `instance already ${instance.status}`);
    if (instance.runningTimes !== report.runningTimes) {
      return this.drop(report, `report of run ${report.runningTimes}, instance is on run ${instance.runningTimes}`);
    }
    if (instance.workerId !== report.workerId) {
      return this.drop(report, `sender is not the run's worker (${instance.workerId ?? 'none'})`);
    }
    const now = Date.now();
    const counts = report.tasks ? JSON.stringify(report.tasks) : undefined;
    switch (report.status) {
      case InstanceStatus.RUNNING:
        // Also false when already RUNNING (a repeated report): nothing to change.
        await this.transitions.markRunning(instance.id, report.workerId, report.runningTimes, now);
        if (counts !== undefined)
          await this.transitions.recordProgress(instance.id, report.workerId, report.runningTimes, counts);
        return 'applied';
      case InstanceStatus.FAILED: {
        const job = await this.jobs.findOneBy({ id: instance.jobId });
        // A workflow node may replace its job's instanceRetries.
        const retries = instance.instanceRetriesOverride ?? job?.instanceRetries ?? 0;
        if (job !== null && instance.runningTimes <= retries) {
          const reason = `run ${instance.runningTimes} failed, retrying (${instance.runningTimes}/${retries}): ${report.result ?? ''}`;
          if (
            await this.transitions.requeueRun(
              instance.id,
              report.workerId,
              report.runningTimes,
              reason,
              report.result,
              now,
            )
          ) {
            // Elsewhere when possible: the worker that failed the run may be sick or shutting down.
            this.dispatcher.dispatchInBackground(instance.id, undefined, report.workerId);
          }
          return 'applied';
        }
        await this.finish(instance, report, InstanceStatus.FAILED, report.result, report.result, now);
        return 'applied';
      }
      case InstanceStatus.SUCCEEDED: {
        const additions = instance.wfInstanceId === null ? undefined : report.contextAdditions;
        const refusal = additions === undefined ? undefined : this.refuseAdditions(additions);
        // The SDK checks both; a report that breaks them anyway fails the node, clearly, instead of the workflow.
        if (refusal !== undefined) await this.finish(instance, report, InstanceStatus.FAILED, refusal, refusal, now);
        else await this.finish(instance, report, InstanceStatus.SUCCEEDED, report.result, null, now, additions);
        return 'applied';
      }
      case InstanceStatus.STOPPED:
        await this.finish(instance, report, InstanceStatus.STOPPED, report.result, null, now);
        return 'applied';
    }
  }

  /** Ends the run the report belongs to, with its subtask counts, passing on the workflow instance it is a node of. */
  private async finish(
    instance: InstanceInfoEntity,
    report: InstanceStatusReport,
    status: InstanceStatus.SUCCEEDED | InstanceStatus.FAILED | InstanceStatus.STOPPED,
    result: string | null,
    reason: string | null,
    now: number,
    contextAdditions?: string,
  ): Promise<void> {
    await this.transitions.finishRun(instance.id, report.workerId, report.runningTimes, status, result, reason, now, {
      taskCounts: report.tasks ? JSON.stringify(report.tasks) : undefined,
      contextAdditions,
      workflowInstanceId: instance.wfInstanceId,
    });
  }

  /** Why a node's context additions cannot be stored (not a JSON object, or over the limit), or undefined. */
  private refuseAdditions(additions: string): string | undefined {
    const bytes = Buffer.byteLength(additions);
    if (bytes > this.config.workflowContextMaxBytes)
      return `the node's workflow context additions are ${bytes} bytes, over the limit of ${this.config.workflowContextMaxBytes} bytes`;
    try {
      const value = JSON.parse(additions) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return undefined;
    } catch {
      // refused below
    }
    return "the node's workflow context additions are not a JSON object";
  }

  private drop(report: InstanceStatusReport, why: string): ReportOutcome {
    this.logger.debug(
      `dropped ${report.status} of instance ${report.instanceId} run ${report.runningTimes} from ${report.workerId}: ${why}`,
    );
    return 'dropped';
  }
}
