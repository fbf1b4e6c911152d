import type { TaskStore } from '@jobnest/persistence';
import type { KeepGoing } from './batched-delete';

const INSTANCES_PER_PASS = 100;

/**
 * Deletes the task rows of instances that finished more than `retentionMs` ago, a bounded amount per pass
 * (DELETE ... LIMIT), so a purge of millions of rows never holds long locks. `retentionMs` 0 keeps them (until their
 * instance goes, by the instance retention), as 0 does for every other retention.
 */
export async function purgeExpiredTasks(
  tasks: TaskStore,
  retentionMs: number,
  now: number,
  keepGoing: KeepGoing = () => true,
): Promise<number> {
  if (retentionMs === 0) return 0;
  const instanceIds = await tasks.finishedInstancesWithTasks(now - retentionMs, INSTANCES_PER_PASS);
  let deleted = 0;
  for (const id of instanceIds) {
    if (!keepGoing()) break;
    deleted += await tasks.purgeInstances([id], keepGoing);
  }
  return deleted;
}
