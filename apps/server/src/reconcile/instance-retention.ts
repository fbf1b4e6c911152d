import type { DataSource } from 'typeorm';
import { FINAL_INSTANCE_STATUSES } from '@jobnest/common';
import type { TaskStore } from '@jobnest/persistence';
import { serverTaskStore } from '../platform/database/server-task-store';
import { deleteInBatches, ROWS_PER_DELETE, type KeepGoing } from './batched-delete';

export interface PurgedInstances {
  instances: number;
  logLines: number;
  tasks: number;
}

/**
 * Deletes instances that finished more than `retentionMs` before `now`, with their log lines and task rows,
 * 1,000 instances at a time (found through `idx_instance_finished`). Unfinished instances have no finished time
 * and are never touched; the final DELETE checks status and finished time again, so an instance retried by a user
 * meanwhile stays (it may lose its old lines: a fresh run deletes its old task rows anyway).
 * Children go first: a server dying half-way leaves the instance for the next pass, never orphaned rows. A workflow
 * node's instance stays while its workflow instance exists (the workflow retention deletes that one first).
 * `retentionMs` 0 keeps every instance. The task rows go through `tasks` (all task SQL lives in TaskStore); without
 * one, the server's store over `dataSource`.
 */
export async function purgeExpiredInstances(
  dataSource: DataSource,
  retentionMs: number,
  now: number,
  keepGoing: KeepGoing = () => true,
  tasks: TaskStore = serverTaskStore(dataSource),
): Promise<PurgedInstances> {
  const purged: PurgedInstances = { instances: 0, logLines: 0, tasks: 0 };
  if (retentionMs === 0) return purged;
  const cutoff = now - retentionMs;
  const finished = [...FINAL_INSTANCE_STATUSES];
  for (;;) {
    const rows = (await dataSource.query(
      // Forced: with most rows finished, the optimizer may prefer the status index and sort every old instance.
      `SELECT id FROM instance_info FORCE INDEX (idx_instance_finished)
        WHERE finished_time < ? AND status IN (?)
          AND (wf_instance_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM workflow_instance w WHERE w.id = instance_info.wf_instance_id))
        ORDER BY finished_time LIMIT ${ROWS_PER_DELETE}`,
      [cutoff, finished],
    )) as { id: string | number }[];
    if (rows.length === 0) return purged;
    const ids = rows.map((r) => Number(r.id));
    purged.logLines += await deleteInBatches(dataSource, 'DELETE FROM instance_log WHERE instance_id IN (?)', [ids]);
    purged.tasks += await tasks.purgeInstances(ids);
    const result = (await dataSource.query(
      'DELETE FROM instance_info WHERE id IN (?) AND finished_time < ? AND status IN (?)',
      [ids, cutoff, finished],
    )) as { affectedRows?: number };
    purged.instances += result.affectedRows ?? 0;
    if (rows.length < ROWS_PER_DELETE || !keepGoing()) return purged;
  }
}
