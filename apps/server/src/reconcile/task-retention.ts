import type { DataSource } from 'typeorm';
import { FINAL_INSTANCE_STATUSES } from '@jobnest/common';

const INSTANCES_PER_PASS = 100;
const ROWS_PER_DELETE = 10_000;

/**
 * Deletes the task rows of instances that finished more than `retentionMs` ago, a bounded amount per pass
 * (DELETE ... LIMIT), so a purge of millions of rows never holds long locks.
 */
export async function purgeExpiredTasks(dataSource: DataSource, retentionMs: number, now: number): Promise<number> {
  const rows = (await dataSource.query(
    `SELECT i.id FROM instance_info i
      WHERE i.finished_time < ? AND i.status IN (?)
        AND EXISTS (SELECT 1 FROM task t WHERE t.instance_id = i.id)
      LIMIT ${INSTANCES_PER_PASS}`,
    [now - retentionMs, [...FINAL_INSTANCE_STATUSES]],
  )) as { id: string | number }[];
  let deleted = 0;
  for (const { id } of rows) {
    for (;;) {
      const result = (await dataSource.query(`DELETE FROM task WHERE instance_id = ? LIMIT ${ROWS_PER_DELETE}`, [id])) as {
        affectedRows?: number;
      };
      const n = result.affectedRows ?? 0;
      deleted += n;
      if (n < ROWS_PER_DELETE) break;
    }
  }
  return deleted;
}
