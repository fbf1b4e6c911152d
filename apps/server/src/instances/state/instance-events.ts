import { Injectable } from '@nestjs/common';

export type InstanceFinishedListener = (instanceId: number) => void;

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
  finished(instanceId: number): void {
    for (const listener of this.finishedListeners) listener(instanceId);
  }
}
