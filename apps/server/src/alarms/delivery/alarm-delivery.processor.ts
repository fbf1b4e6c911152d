import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ALARM_QUEUE } from '@jobnest/transport';
import { AlarmOutbox } from './alarm-outbox.service';
import { AlarmSender } from './alarm-sender.service';
import { SUMMARIZE_JOB, type DeliverAlarmJob, type SummarizeHeldJob } from './alarm-jobs';
import { SilenceSummaries } from './silence-summaries.service';

/** How often each server looks for deliveries whose BullMQ job was lost. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Delivers alarms from the server-owned `jobnest-alarms` queue, on every server (BullMQ hands each job to one):
 * a failed attempt is retried with exponential backoff (JOBNEST_ALARM_ATTEMPTS, JOBNEST_ALARM_BACKOFF_MS) and ends
 * FAILED in the history; every minute, deliveries whose job Redis lost are queued again. Its own workers and connections: a slow channel holds up other alarms at most, never the
 * scheduler or the report consumers.
 */
@Processor(ALARM_QUEUE, { concurrency: 10, autorun: false })
export class AlarmDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmDeliveryProcessor.name);
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly sender: AlarmSender,
    private readonly summaries: SilenceSummaries,
    private readonly outbox: AlarmOutbox,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.run().catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))));
    this.sweep = setInterval(() => {
      this.outbox
        .requeueStale(Date.now())
        .then((n) => n > 0 && this.logger.warn(`queued ${n} alarm deliveries again whose jobs were lost`))
        .catch((err: unknown) => this.logger.error(`the sweep of lost alarm deliveries failed: ${String(err)}`));
    }, SWEEP_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
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
