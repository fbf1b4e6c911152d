import type { DataSource } from 'typeorm';
import { FINAL_INSTANCE_STATUSES } from '@jobnest/common';
import { deleteInBatches, type KeepGoing } from './batched-delete';

const INSTANCES_PER_PASS = 100;

/**
 * Deletes the task rows of instances that finished more than `retentionMs` ago, a bounded amount per pass
 * (DELETE ... LIMIT), so a purge of millions of rows never holds long locks.
 */
export async function purgeExpiredTasks(
  dataSource: DataSource,
  retentionMs: number,
  now: number,
  keepGoing: KeepGoing = () => true,
): Promise<number> {
  const rows = (await dataSource.query(
    `SELECT i.id FROM instance_info i
      WHERE i.finished_time < ? AND i.status IN (?)
        AND EXISTS (SELECT 1 FROM task t WHERE t.instance_id = i.id)
      LIMIT ${INSTANCES_PER_PASS}`,
    [now - retentionMs, [...FINAL_INSTANCE_STATUSES]],
  )) as { id: string | number }[];
  let deleted = 0;
  for (const { id } of rows) {
    if (!keepGoing()) break;
    deleted += await deleteInBatches(dataSource, 'DELETE FROM task WHERE instance_id = ?', [id], keepGoing);
  }
  return deleted;
}
