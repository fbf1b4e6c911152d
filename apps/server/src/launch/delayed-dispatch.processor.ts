import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DISPATCH_QUEUE } from '@jobnest/transport';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { WorkflowAdvancer } from '../workflows/engine/workflow-advancer.service';
import type { DelayedDispatch } from './delayed-dispatch.service';

/**
 * Dispatches the instances of delayed API runs when their BullMQ job comes due, on every server (BullMQ hands each
 * job to one). The worker starts once the application has booted, and stops before the dispatcher's connections close.
 */
// drainDelay 1 s: as for triggers (TriggerProcessor), a frozen server must not hold a due run back for BullMQ's 5 s.
@Processor(DISPATCH_QUEUE, { concurrency: 20, drainDelay: 1, autorun: false })
export class DelayedDispatchProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DelayedDispatchProcessor.name);

  constructor(
    private readonly dispatcher: DispatcherService,
    private readonly workflows: WorkflowAdvancer,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.run().catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job<DelayedDispatch>): Promise<void> {
    if (job.data.workflowInstanceId !== undefined) await this.workflows.start(job.data.workflowInstanceId);
    if (job.data.instanceId !== undefined) await this.dispatcher.dispatch(job.data.instanceId);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.error(`dispatch worker: ${err.message}`);
  }
}
