/**
 * Every Redis key Jobnest uses lives under one prefix (JOBNEST_PREFIX, default `jobnest`), so several deployments
 * or test runs can share one Redis. BullMQ queues use the same prefix as their BullMQ `prefix` option.
 */
export interface StreamNames {
  heartbeats: string;
  instanceStatus: string;
  logs: string;
  deadLetter: string;
}

export function streamNames(prefix: string): StreamNames {
  return {
    heartbeats: `${prefix}:stream:heartbeats`,
    instanceStatus: `${prefix}:stream:instance-status`,
    logs: `${prefix}:stream:logs`,
    deadLetter: `${prefix}:stream:dead-letter`,
  };
}

/** The consumer group every server joins on the report streams. */
export const SERVER_CONSUMER_GROUP = 'jobnest-servers';

/** One BullMQ queue per worker: dispatch, stop and acks for that worker only. */
export function workerQueueName(workerId: string): string {
  return `jobnest-worker-${workerId}`;
}

export const WORKER_QUEUE_PREFIX = 'jobnest-worker-';

/** Server-side queue of delayed dispatches (API runs with delayMs). */
export const DISPATCH_QUEUE = 'jobnest-dispatch';

/** Server-side queue of alarm deliveries and of the summaries that end silence periods. */
export const ALARM_QUEUE = 'jobnest-alarms';

/** Redis key of the reconciliation lease. */
export function leaseKey(prefix: string, name: string): string {
  return `${prefix}:lease:${name}`;
}

/** Worker ids end up in queue names and Redis keys. */
export const WORKER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
