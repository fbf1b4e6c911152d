import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ALARM_QUEUE } from '@jobnest/transport';
import { AlarmSender } from './alarm-sender.service';
import { SUMMARIZE_JOB, type DeliverAlarmJob, type SummarizeHeldJob } from './alarm-jobs';
import { SilenceSummaries } from './silence-summaries.service';

/**
 * Delivers alarms from the server-owned `jobnest-alarms` queue, on every server (BullMQ hands each job to one):
 * a failed attempt is retried with exponential backoff (JOBNEST_ALARM_ATTEMPTS, JOBNEST_ALARM_BACKOFF_MS) and ends
 * FAILED in the history. Its own workers and connections: a slow channel holds up other alarms at most, never the
 * scheduler or the report consumers.
 */
@Processor(ALARM_QUEUE, { concurrency: 10, autorun: false })
export class AlarmDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmDeliveryProcessor.name);

  constructor(
    private readonly sender: AlarmSender,
    private readonly summaries: SilenceSummaries,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.run().catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job<DeliverAlarmJob | SummarizeHeldJob>): Promise<void> {
    if (job.name === SUMMARIZE_JOB) {
      await this.summaries.flush(job.data as SummarizeHeldJob);
      return;
    }
    const attempt = job.attemptsMade + 1;
    await this.sender.deliver(job.data as DeliverAlarmJob, attempt, attempt >= (job.opts.attempts ?? 1));
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.error(`alarm worker: ${err.message}`);
  }
}
