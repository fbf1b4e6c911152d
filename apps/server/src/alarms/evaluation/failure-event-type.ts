import { AlarmEventType } from '@jobnest/common';

// The reasons the worker and the server write (instance-tracker, reconciler, dispatcher): matched here only.
const TIME_LIMIT = /\binstance time limit of \d+ ms exceeded\b/;
const NO_WORKER = /^no worker available\b/;

/** Which alarm a FAILED instance raises, from its failure reason. */
export function failureEventType(reason: string): AlarmEventType {
  if (TIME_LIMIT.test(reason)) return AlarmEventType.INSTANCE_TIMED_OUT;
  if (NO_WORKER.test(reason)) return AlarmEventType.NO_WORKER;
  return AlarmEventType.INSTANCE_FAILED;
}

/** Failure events: an alarm on one marks its subject failing, so a later success can be a recovery. */
export const FAILURE_EVENTS: ReadonlySet<AlarmEventType> = new Set([
  AlarmEventType.INSTANCE_FAILED,
  AlarmEventType.INSTANCE_TIMED_OUT,
  AlarmEventType.NO_WORKER,
  AlarmEventType.WORKFLOW_FAILED,
]);
