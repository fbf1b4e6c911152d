import type { FinalInstanceStatus, InstanceStatus } from './types';

/** Every instance status, in lifecycle order. */
export const INSTANCE_STATUSES: readonly InstanceStatus[] = [
  'WAITING_DISPATCH',
  'WAITING_WORKER_RECEIVE',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'CANCELED',
];

/** Statuses an instance never leaves. */
export const FINAL_INSTANCE_STATUSES: readonly FinalInstanceStatus[] = ['SUCCEEDED', 'FAILED', 'STOPPED', 'CANCELED'];

/** Whether `status` is final (SUCCEEDED, FAILED, STOPPED or CANCELED). */
export function isFinalStatus(status: InstanceStatus): status is FinalInstanceStatus {
  return (FINAL_INSTANCE_STATUSES as readonly string[]).includes(status);
}
