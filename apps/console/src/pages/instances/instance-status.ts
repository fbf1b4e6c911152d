import { FINAL_INSTANCE_STATUSES, type InstanceStatus } from '../../api/types';

export function isFinal(status: InstanceStatus): boolean {
  return FINAL_INSTANCE_STATUSES.includes(status);
}

export function isWaiting(status: InstanceStatus): boolean {
  return status === 'WAITING_DISPATCH' || status === 'WAITING_WORKER_RECEIVE';
}
