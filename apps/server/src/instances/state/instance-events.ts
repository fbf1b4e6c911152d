import { Injectable } from '@nestjs/common';
import type { EndedInstance } from './instance-change';

export type InstanceFinishedListener = (ended: EndedInstance) => void;
export type FlowWaitingListener = (jobId: number) => void;

/**
 * In-process notifications about instances, so modules that react to them (the FIXED_DELAY timer re-arms when an
 * instance ends, a workflow moves when its node ends) need not be imported by the ones that cause them.
 */
@Injectable()
export class InstanceEvents {
  private readonly finishedListeners: InstanceFinishedListener[] = [];
  private readonly flowWaitingListeners: FlowWaitingListener[] = [];

  onFinished(listener: InstanceFinishedListener): void {
    this.finishedListeners.push(listener);
  }

  /** An instance reached a final status (on this server). */
  finished(ended: EndedInstance): void {
    for (const listener of this.finishedListeners) listener(ended);
  }

  onFlowWaiting(listener: FlowWaitingListener): void {
    this.flowWaitingListeners.push(listener);
  }

  /** An instance of the job was put in flow control's wait (a due delayed run, a user retry): it may start now. */
  flowWaiting(jobId: number): void {
    for (const listener of this.flowWaitingListeners) listener(jobId);
  }
}
