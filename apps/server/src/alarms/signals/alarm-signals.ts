import { Injectable } from '@nestjs/common';

/** Timer slots a job or workflow lost: counted in its misfired or skipped slots instead of run. */
export interface SlotsMissedSignal {
  kind: 'slots-missed';
  target: 'job' | 'workflow';
  id: number;
  appId: number;
  name: string;
  how: 'misfired' | 'skipped';
  count: number;
  latestSlot: number;
  /** Why they were skipped (a limit), when known. */
  reason?: string;
}

/** A workflow instance reached FAILED or SUCCEEDED (announced by the server whose transition won). */
export interface WorkflowEndedSignal {
  kind: 'workflow-ended';
  workflowInstanceId: number;
  workflowId: number;
  appId: number;
  succeeded: boolean;
  reason: string | null;
  /** The first node whose failure failed it. */
  failedNodeId?: string;
  /** A nested child workflow's instance: its parent's end speaks for it. */
  nested: boolean;
  /** The version the ending transition wrote: a retried instance that fails again ends with another one. */
  version: number;
}

/** A worker went silent while it was the TaskTracker of running instances (found by the reconciler). */
export interface WorkerLostSignal {
  kind: 'worker-lost';
  workerId: string;
  appId: number;
  /** The runs it held, as `instance id` and `run`, lowest instance id first. */
  runs: { instanceId: number; run: number }[];
}

/** An app's last live worker went away (noticed by the reconciliation lease holder, one server). */
export interface AppNoWorkerSignal {
  kind: 'app-no-worker';
  appId: number;
  /** The workers it had on the previous pass. */
  lastWorkerIds: string[];
  /** When the lease holder noticed: names this occurrence. */
  noticedAt: number;
}

export type AlarmSignal = SlotsMissedSignal | WorkflowEndedSignal | WorkerLostSignal | AppNoWorkerSignal;
export type AlarmSignalListener = (signal: AlarmSignal) => void;

/**
 * In-process notices of what may raise an alarm, from the modules that notice it (timers, the workflow engine, the
 * reconciler) to the alarm evaluator, so those modules need not import alarms. Listeners must return at once: a
 * notice is raised on the scheduling path, which an alarm must never slow down.
 */
@Injectable()
export class AlarmSignals {
  private readonly listeners: AlarmSignalListener[] = [];

  listen(listener: AlarmSignalListener): void {
    this.listeners.push(listener);
  }

  raise(signal: AlarmSignal): void {
    for (const listener of this.listeners) listener(signal);
  }
}
