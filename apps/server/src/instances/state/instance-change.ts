import type { InstanceStatus } from '@jobnest/common';
import type { InstanceInfoEntity } from '@jobnest/persistence';

/** Columns a status change may write, by entity property (InstanceTransitions.writeChanges). */
export type InstanceChange = Partial<
  Pick<
    InstanceInfoEntity,
    | 'status'
    | 'statusTime'
    | 'statusReason'
    | 'waitingForWorker'
    | 'result'
    | 'finishedTime'
    | 'taskCounts'
    | 'wfContextAdditions'
    | 'workerId'
    | 'resumeNext'
  >
>;

/** An instance that reached a final status, as InstanceEvents announces it. */
export interface EndedInstance {
  id: number;
  status: InstanceStatus;
  /** Its workflow instance (null: none); undefined when the announcer did not read it (listeners look it up). */
  workflowInstanceId?: number | null;
  /** Created by a timer slot (a FIXED_DELAY chain may wait for it); undefined when not read. */
  timed?: boolean;
  /** Its job; undefined when the announcer did not read it. */
  jobId?: number;
  /**
   * Its concurrency key when launched under flow control (its end may let a held instance of that key start), null
   * when not; undefined when not read.
   */
  flowKey?: string | null;
}
