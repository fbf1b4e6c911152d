import type { DataSource } from 'typeorm';
import { FINAL_WORKFLOW_STATUSES } from '@jobnest/common';
import { ROWS_PER_DELETE, type KeepGoing } from './batched-delete';

/**
 * Deletes workflow instances that finished more than `retentionMs` before `now` (JOBNEST_INSTANCE_RETENTION_MS, as
 * for job instances), 1,000 at a time through `idx_wf_instance_finished`. A nested child goes once its parent is
 * gone, so a parent never loses the child its snapshot names. Their node instances are left to the instance purge,
 * which takes a node instance only once its workflow instance is gone (a retried or still running workflow
 * instance keeps the runs whose context additions it merges). `retentionMs` 0 keeps everything.
 */
export async function purgeExpiredWorkflowInstances(
  dataSource: DataSource,
  retentionMs: number,
  now: number,
  keepGoing: KeepGoing = () => true,
): Promise<number> {
  if (retentionMs === 0) return 0;
  const cutoff = now - retentionMs;
  const finished = [...FINAL_WORKFLOW_STATUSES];
  let purged = 0;
  for (;;) {
    const rows = (await dataSource.query(
      `SELECT w.id FROM workflow_instance w FORCE INDEX (idx_wf_instance_finished)
         LEFT JOIN workflow_instance p ON p.id = w.parent_instance_id
        WHERE w.finished_time < ? AND w.status IN (?) AND p.id IS NULL
        ORDER BY w.finished_time LIMIT ${ROWS_PER_DELETE}`,
      [cutoff, finished],
    )) as { id: string | number }[];
    if (rows.length === 0) return purged;
    const result = (await dataSource.query(
      'DELETE FROM workflow_instance WHERE id IN (?) AND finished_time < ? AND status IN (?)',
      [rows.map((r) => Number(r.id)), cutoff, finished],
    )) as { affectedRows?: number };
    purged += result.affectedRows ?? 0;
    if (!keepGoing()) return purged;
  }
}
