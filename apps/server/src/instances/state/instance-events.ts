import { Injectable } from '@nestjs/common';

/**
 * `workflowInstanceId`: the workflow instance the ended instance is a node of (null: none), when the caller knew it;
 * undefined when it did not (the listener looks it up).
 */
export type InstanceFinishedListener = (instanceId: number, workflowInstanceId?: number | null) => void;

/**
 * In-process notifications about instances, so modules that react to them (the FIXED_DELAY timer re-arms when an
 * instance ends) need not be imported by the ones that cause them.
 */
@Injectable()
export class InstanceEvents {
  private readonly finishedListeners: InstanceFinishedListener[] = [];

  onFinished(listener: InstanceFinishedListener): void {
    this.finishedListeners.push(listener);
  }

  /** An instance reached a final status (on this server). */
  finished(instanceId: number, workflowInstanceId?: number | null): void {
    for (const listener of this.finishedListeners) listener(instanceId, workflowInstanceId);
  }
}
