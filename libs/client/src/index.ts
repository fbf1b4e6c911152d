export type * from './types';
export type * from './workflow-types';
export type * from './access-types';
export type * from './alarm-types';
export * from './errors';
export { INSTANCE_STATUSES, FINAL_INSTANCE_STATUSES, isFinalStatus } from './instance-status';
export { MAX_BULK_RUNS } from './types';
export {
  JobnestClient,
  DEFAULT_BASE_URL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  DEFAULT_POLL_INTERVAL_MS,
} from './jobnest-client';
export type {
  AdminCredentials,
  JobnestClientOptions,
  WaitForInstanceOptions,
  FinishedInstance,
} from './jobnest-client';
