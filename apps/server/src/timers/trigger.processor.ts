import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { jobnestRepeatStrategy } from './jobnest-repeat-strategy';
import { type FireOutcome, SlotFiringService } from './slot-firing.service';
import { TRIGGER_LOCK_MS } from './trigger-hold';
import { isWorkflowTrigger, TRIGGER_QUEUE, type TriggerData } from './trigger-queue';
import { WorkflowSlotFiringService } from './workflow-slot-firing.service';

/**
 * The BullMQ worker of the trigger queue, on every server: each due trigger goes to SlotFiringService. It computes
 * the next scheduler iteration with the same repeat strategy as the queue. A trigger held by a server that died is
 * taken over within seconds (lock and stall check), well inside the misfire threshold. The worker starts once the
 * application has booted, and stops before the launcher's connections close.
 */
@Processor(TRIGGER_QUEUE, {
  // Most of a trigger's time is an idle wait: a slot whose overlap policy is decided at its time, a short FIXED_RATE
  // period and every workflow slot wait up to the trigger lead (300 ms) for the slot, holding their trigger (and its
  // lock, so a crash still replays it). 500 such waits cost only timers; 50 filled up with ~17 jobs on a 100 ms rate.
  concurrency: 500,
  settings: { repeatStrategy: jobnestRepeatStrategy },
  lockDuration: TRIGGER_LOCK_MS,
  stalledInterval: 2000,
  // A server frozen while it long-polls (a GC pause, a paused VM) can swallow the wake-up of a new trigger; the other
  // servers then see it only when their own poll ends. 1 s (BullMQ: 5 s) keeps such a slot within the misfire
  // threshold; an idle server pays one BZPOPMIN a second.
  drainDelay: 1,
  autorun: false,
})
export class TriggerProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TriggerProcessor.name);

  constructor(
    private readonly slots: SlotFiringService,
    private readonly workflowSlots: WorkflowSlotFiringService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.run().catch((err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  process(trigger: Job<TriggerData>): Promise<FireOutcome> {
    const data = trigger.data;
    if (isWorkflowTrigger(data)) return this.workflowSlots.handle(trigger, data.workflowId);
    return this.slots.handle(trigger as Job<typeof data>);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.error(`trigger worker: ${err.message}`);
  }
}
