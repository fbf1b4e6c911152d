import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverTaskStore, purgeExpiredTasks } from '@jobnest/server/internal';
import { migratedDatabase } from '../support/migrated-database';

/** Task rows of finished instances are deleted after the retention, in bounded statements; others stay. */
describe('task retention', () => {
  const database = migratedDatabase();

  async function instanceWithTasks(status: string, finishedTime: number | null, tasks: number): Promise<number> {
    const r = (await database
      .db()
      .query(
        `INSERT INTO instance_info (app_id, job_id, status, expected_trigger_time, status_time, finished_time) VALUES (1, 1, ?, 0, 0, ?)`,
        [status, finishedTime],
      )) as { insertId: number };
    const rows = Array.from({ length: tasks }, (_, i) => [r.insertId, `k${i}`, 'T', 'SUCCEEDED', 0, 0]);
    await database
      .db()
      .query('INSERT INTO task (instance_id, map_key, task_name, status, created_time, updated_time) VALUES ?', [rows]);
    return r.insertId;
  }

  async function taskCount(instanceId: number): Promise<number> {
    const [row] = (await database.db().query('SELECT COUNT(*) AS n FROM task WHERE instance_id = ?', [instanceId])) as {
      n: number;
    }[];
    return Number(row!.n);
  }

  it('deletes the rows of instances finished before the retention, and only those', async () => {
    const now = Date.now();
    const old = await instanceWithTasks('SUCCEEDED', now - 10_000, 25_000);
    const recent = await instanceWithTasks('FAILED', now - 1000, 10);
    const running = await instanceWithTasks('RUNNING', null, 10);
    const deleted = await purgeExpiredTasks(serverTaskStore(database.db()), 5000, now);
    assert.equal(deleted, 25_000);
    assert.equal(await taskCount(old), 0);
    assert.equal(await taskCount(recent), 10);
    assert.equal(await taskCount(running), 10);
  });

  it('keeps every row with a retention of 0, as every other retention does', async () => {
    const now = Date.now();
    const old = await instanceWithTasks('SUCCEEDED', now - 10_000, 5);
    assert.equal(await purgeExpiredTasks(serverTaskStore(database.db()), 0, now), 0);
    assert.equal(await taskCount(old), 5);
  });
});
