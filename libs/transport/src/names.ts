/**
 * Names of queues and groups. Where each key lives (its prefix and hash tag) is the KeyLayout's business
 * (key-layout.ts): every Redis key Jobnest uses lives under one prefix (JOBNEST_PREFIX, default `jobnest`), so
 * several deployments or test runs can share one Redis.
 */

/** The consumer group every server joins on the report streams. */
export const SERVER_CONSUMER_GROUP = 'jobnest-servers';

/** One BullMQ queue per worker: dispatch, stop and acks for that worker only. */
export function workerQueueName(workerId: string): string {
  return `jobnest-worker-${workerId}`;
}

/** Server-side queue of delayed dispatches (API runs with delayMs). */
export const DISPATCH_QUEUE = 'jobnest-dispatch';

/** Server-side queue of alarm deliveries and of the summaries that end silence periods. */
export const ALARM_QUEUE = 'jobnest-alarms';

/** Worker ids end up in queue names and Redis keys. */
export const WORKER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
