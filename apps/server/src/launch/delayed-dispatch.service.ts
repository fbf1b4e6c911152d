import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DISPATCH_QUEUE } from '@jobnest/transport';

/** Data of a delayed dispatch job: a job instance to dispatch, or a WAITING workflow instance to start. */
export interface DelayedDispatch {
  instanceId?: number;
  workflowInstanceId?: number;
}

/** Name of the delayed job that starts a workflow instance run with delayMs. */
export const START_WORKFLOW = 'start-workflow';

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

  /** A workflow run with delayMs: its instance is started when the job comes due (or by the reconciler). */
  async scheduleWorkflowStart(workflowInstanceId: number, delayMs: number): Promise<void> {
    await this.queue.add(
      START_WORKFLOW,
      { workflowInstanceId },
      {
        delay: delayMs,
        jobId: `start-workflow-${workflowInstanceId}`,
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
      },
    );
  }
}
