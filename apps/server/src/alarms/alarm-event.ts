import type { AlarmEventType } from '@jobnest/common';

/**
 * One thing that happened and may raise an alarm, with everything a message about it shows. Stored with each
 * delivery (the history shows what was sent), so it holds plain values only.
 */
export interface AlarmEvent {
  type: AlarmEventType;
  /**
   * Names the occurrence, the same on every server that notices it (e.g. `instance:42:run:2`), so a rule alarms on
   * it once however many servers raise it.
   */
  key: string;
  appId: number;
  appName: string;
  /**
   * What the rule's threshold and silence are counted per: `job:<id>`, `workflow:<id>`, `workers:<appId>` (lost
   * workers) or `app:<appId>` (no live worker).
   */
  subject: string;
  /** Epoch ms. */
  occurredAt: number;
  /** Why, in one line: the instance's failure reason, the slots missed, the worker that went silent. */
  reason: string;
  jobId?: number;
  jobName?: string;
  instanceId?: number;
  /** The run (1 = the first) that failed. */
  run?: number;
  /** The instance's TaskTracker worker, or the worker that was lost. */
  workerId?: string | null;
  workflowId?: number;
  workflowName?: string;
  workflowInstanceId?: number;
  /** The node whose failure failed the workflow instance. */
  failedNodeId?: string;
  /** WORKER_LOST: the instances the worker ran (at most 20 listed). */
  instanceIds?: number[];
  /** SLOTS_MISSED: how many slots, how, and the latest of them. */
  slots?: { kind: 'misfired' | 'skipped'; count: number; latestSlot: number };
}

/** What one channel renders: an event with what is added at delivery. */
export interface AlarmMessage {
  event: AlarmEvent;
  /** The history row of this delivery (a receiver may use it to drop a duplicate). */
  deliveryId: number;
  /** Events of the same rule and subject held back by the silence period since the last alarm. */
  suppressedCount: number;
  /** The instance's last log lines, oldest first (instance events only; may be empty). */
  logLines: string[];
  /** Console page of the instance or workflow instance: absolute with JOBNEST_PUBLIC_URL, else a path. */
  link?: string;
  /** Robot channels: user ids or phone numbers to @mention. */
  mentions: string[];
}

/** A history row's stored event, or undefined when the row holds something else (never a reason to crash). */
export function parseEvent(payload: string): AlarmEvent | undefined {
  try {
    const event = JSON.parse(payload) as unknown;
    return typeof event === 'object' && event !== null && 'type' in event ? (event as AlarmEvent) : undefined;
  } catch {
    return undefined;
  }
}
