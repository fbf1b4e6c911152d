import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { InstanceStatus, isFinalInstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { InstanceRepository } from '../instances/state/instance.repository';
import { InstanceTransitions } from '../instances/state/instance-transitions.service';
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
        const retriesLeft = job !== null && instance.runningTimes <= job.instanceRetries;
        if (retriesLeft) {
          const reason = `run ${instance.runningTimes} failed, retrying (${instance.runningTimes}/${job.instanceRetries}): ${report.result ?? ''}`;
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
            this.dispatcher.dispatchInBackground(instance.id);
          }
          return 'applied';
        }
        await this.transitions.finishRun(
          instance.id,
          report.workerId,
          report.runningTimes,
          InstanceStatus.FAILED,
          report.result,
          report.result,
          now,
          counts,
        );
        return 'applied';
      }
      case InstanceStatus.SUCCEEDED:
      case InstanceStatus.STOPPED:
        await this.transitions.finishRun(
          instance.id,
          report.workerId,
          report.runningTimes,
          report.status,
          report.result,
          null,
          now,
          counts,
        );
        return 'applied';
    }
  }

  private drop(report: InstanceStatusReport, why: string): ReportOutcome {
    this.logger.debug(
      `dropped ${report.status} of instance ${report.instanceId} run ${report.runningTimes} from ${report.workerId}: ${why}`,
    );
    return 'dropped';
  }
}
