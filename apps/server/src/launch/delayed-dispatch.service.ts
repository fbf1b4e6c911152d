import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DISPATCH_QUEUE } from '@jobnest/transport';

/** Data of a delayed dispatch job. */
export interface DelayedDispatch {
  instanceId: number;
}

/**
 * API runs with `delayMs` become delayed BullMQ jobs on the shared `jobnest-dispatch` queue; whichever server's
 * DelayedDispatchProcessor takes the job dispatches the instance. If Redis loses the job, the reconciler still
 * dispatches the instance once its expected trigger time has passed.
 */
@Injectable()
export class DelayedDispatchService {
  constructor(@InjectQueue(DISPATCH_QUEUE) private readonly queue: Queue<DelayedDispatch>) {}

  /** BullMQ keeps the due time in Redis, not in a timer of this process: delays past 2^31-1 ms need no chaining. */
  async schedule(instanceId: number, delayMs: number): Promise<void> {
    await this.queue.add(
      'dispatch',
      { instanceId },
      {
        delay: delayMs,
        jobId: `dispatch-${instanceId}`,
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
      },
    );
  }
}
