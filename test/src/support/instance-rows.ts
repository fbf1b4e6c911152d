import type { DataSource } from 'typeorm';
import type { InstanceStatus, TimeExpressionType } from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';

/** Rows for tests of the stores and the instance state machine, written with plain SQL (not the code under test). */

/** Inserts a job of app `appId` and returns it as the server reads it. */
export async function insertJob(
  db: DataSource,
  appId: number,
  fields: {
    timeExpressionType?: TimeExpressionType;
    instanceTimeLimitMs?: number;
    enabled?: boolean;
    instanceRetries?: number;
  } = {},
): Promise<JobInfoEntity> {
  const r = (await db.query(
    `INSERT INTO job_info (app_id, name, processor, execute_type, time_expression_type, time_expression,
       instance_time_limit_ms, enabled, designated_workers, instance_retries)
     VALUES (?, 'job', 'demo.echo', 'STANDALONE', ?, ?, ?, ?, '[]', ?)`,
    [
      appId,
      fields.timeExpressionType ?? 'API',
      fields.timeExpressionType === 'FIXED_DELAY' ? '60000' : null,
      fields.instanceTimeLimitMs ?? 0,
      fields.enabled ?? true,
      fields.instanceRetries ?? 0,
    ],
  )) as { insertId: number };
  return db.getRepository(JobInfoEntity).findOneByOrFail({ id: r.insertId });
}

export interface InstanceFields {
  appId?: number;
  status?: InstanceStatus;
  workerId?: string | null;
  runningTimes?: number;
  triggerSlot?: number | null;
  expectedTriggerTime?: number;
  statusTime?: number;
  finishedTime?: number | null;
  waitingForWorker?: boolean;
}

/** Inserts an instance of `jobId` in any state and returns its id. */
export async function insertInstance(db: DataSource, jobId: number, fields: InstanceFields = {}): Promise<number> {
  const r = (await db.query(
    `INSERT INTO instance_info (app_id, job_id, status, worker_id, running_times, trigger_slot, expected_trigger_time,
       status_time, finished_time, waiting_for_worker)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      fields.appId ?? 1,
      jobId,
      fields.status ?? 'WAITING_DISPATCH',
      fields.workerId ?? null,
      fields.runningTimes ?? 0,
      fields.triggerSlot ?? null,
      fields.expectedTriggerTime ?? 0,
      fields.statusTime ?? 0,
      fields.finishedTime ?? null,
      fields.waitingForWorker ?? false,
    ],
  )) as { insertId: number };
  return r.insertId;
}

/** Inserts `count` task rows of an instance (map keys `k0`..), all with `status`. */
export async function insertTasks(
  db: DataSource,
  instanceId: number,
  count: number,
  status = 'SUCCEEDED',
): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - start) }, (_, i) => [
      instanceId,
      `k${start + i}`,
      'T',
      status,
      0,
      0,
    ]);
    await db.query('INSERT INTO task (instance_id, map_key, task_name, status, created_time, updated_time) VALUES ?', [
      rows,
    ]);
  }
}

/** Deletes every row the tests write, so each test starts from empty tables. */
export async function clearTables(db: DataSource): Promise<void> {
  for (const table of ['task', 'instance_log', 'instance_info', 'job_info']) await db.query(`DELETE FROM ${table}`);
}
