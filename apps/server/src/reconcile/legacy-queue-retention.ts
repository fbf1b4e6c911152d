import { Queue } from 'bullmq';
import { ALARM_QUEUE, DISPATCH_QUEUE, type KeyLayout, type RedisClient } from '@jobnest/transport';
import { TRIGGER_QUEUE } from '../timers/trigger-queue';

/** The server-owned queues, which the layout before hash tags kept under the plain prefix. */
const SERVER_QUEUES = [TRIGGER_QUEUE, DISPATCH_QUEUE, ALARM_QUEUE];

/**
 * Deletes the server-owned queues that servers of an older version kept under the plain prefix (single Redis only:
 * a cluster never had them). Nothing in them is needed: the reconciler rebuilds every job scheduler from MySQL in
 * the new queue, dispatches WAITING_DISPATCH instances that are due, and the alarm outbox queues again the
 * deliveries whose job is missing. While an older server still runs it may create them again; the next pass
 * deletes them again. Returns the names of the queues deleted.
 */
export async function removeLegacyServerQueues(redis: RedisClient, keys: KeyLayout): Promise<string[]> {
  if (redis.isCluster) return [];
  const removed: string[] = [];
  for (const name of SERVER_QUEUES) {
    const base = `${keys.prefix}:${name}`;
    const present = await redis.exists(`${base}:meta`, `${base}:id`, `${base}:delayed`, `${base}:wait`);
    if (present === 0) continue;
    const queue = new Queue(name, { connection: redis, prefix: keys.prefix });
    try {
      await queue.obliterate({ force: true });
      removed.push(name);
    } finally {
      await queue.close();
    }
  }
  return removed;
}
