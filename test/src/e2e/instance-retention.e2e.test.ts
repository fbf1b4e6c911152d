import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { purgeExpiredInstances, purgeExpiredLogs } from '@jobnest/server/internal';
import { migratedDatabase } from '../support/migrated-database';

/**
 * The instance and log retention purges against real MariaDB: finished instances past the retention go with their
 * logs and tasks, in bounded statements; unfinished and recent ones stay; old log lines go whatever their instance.
 */
describe('instance and log retention', () => {
  const database = migratedDatabase();

  async function instance(status: string, finishedTime: number | null): Promise<number> {
    const r = (await database
      .db()
      .query(
        'INSERT INTO instance_info (app_id, job_id, status, expected_trigger_time, status_time, finished_time) VALUES (1, 1, ?, 0, 0, ?)',
        [status, finishedTime],
      )) as { insertId: number };
    return r.insertId;
  }

  async function addLogs(instanceId: number, count: number, time: number): Promise<void> {
    const rows = Array.from({ length: count }, (_, i) => [instanceId, time, 'INFO', 'w1', `line ${i}`]);
    await database
      .db()
      .query('INSERT INTO instance_log (instance_id, time, level, worker_id, message) VALUES ?', [rows]);
  }

  async function addTasks(instanceId: number, count: number): Promise<void> {
    const rows = Array.from({ length: count }, (_, i) => [instanceId, `k${i}`, 'T', 'SUCCEEDED', 0, 0]);
    await database
      .db()
      .query('INSERT INTO task (instance_id, map_key, task_name, status, created_time, updated_time) VALUES ?', [rows]);
  }

  async function count(
    table: 'instance_info' | 'instance_log' | 'task',
    column: 'id' | 'instance_id',
    id: number,
  ): Promise<number> {
    const [row] = (await database.db().query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`, [id])) as {
      n: number;
    }[];
    return Number(row!.n);
  }

  async function clear(): Promise<void> {
    for (const table of ['instance_log', 'task', 'instance_info']) await database.db().query(`DELETE FROM ${table}`);
  }

  it('deletes finished instances past the retention with their logs and tasks, and nothing else', async () => {
    await clear();
    const now = Date.now();
    const oldFinished = await instance('SUCCEEDED', now - 10_000);
    await addLogs(oldFinished, 1500, now - 20_000);
    await addTasks(oldFinished, 2500);
    // More old instances than one batch holds: the purge loops over batches of 1,000.
    const oldRows = Array.from({ length: 1200 }, (_, i) => [
      1,
      2,
      ['FAILED', 'STOPPED', 'CANCELED'][i % 3],
      0,
      0,
      now - 9000,
    ]);
    await database
      .db()
      .query(
        'INSERT INTO instance_info (app_id, job_id, status, expected_trigger_time, status_time, finished_time) VALUES ?',
        [oldRows],
      );
    const oldRunning = await instance('RUNNING', null);
    await addLogs(oldRunning, 10, now - 1000);
    await addTasks(oldRunning, 10);
    const oldWaiting = await instance('WAITING_DISPATCH', null);
    const recentFinished = await instance('FAILED', now - 1000);
    await addLogs(recentFinished, 10, now - 1000);
    await addTasks(recentFinished, 10);

    const purged = await purgeExpiredInstances(database.db(), 5000, now);

    assert.deepEqual(purged, { instances: 1201, logLines: 1500, tasks: 2500 });
    assert.equal(await count('instance_info', 'id', oldFinished), 0);
    assert.equal(await count('instance_log', 'instance_id', oldFinished), 0);
    assert.equal(await count('task', 'instance_id', oldFinished), 0);
    const [left] = (await database.db().query('SELECT COUNT(*) AS n FROM instance_info WHERE job_id = 2')) as {
      n: number;
    }[];
    assert.equal(Number(left!.n), 0);
    for (const kept of [oldRunning, oldWaiting, recentFinished])
      assert.equal(await count('instance_info', 'id', kept), 1);
    assert.equal(await count('instance_log', 'instance_id', oldRunning), 10);
    assert.equal(await count('task', 'instance_id', oldRunning), 10);
    assert.equal(await count('instance_log', 'instance_id', recentFinished), 10);
    assert.equal(await count('task', 'instance_id', recentFinished), 10);
  });

  it('keeps every instance when the retention is 0', async () => {
    await clear();
    const now = Date.now();
    const ancient = await instance('SUCCEEDED', 1);
    await addLogs(ancient, 3, 1);
    assert.deepEqual(await purgeExpiredInstances(database.db(), 0, now), { instances: 0, logLines: 0, tasks: 0 });
    assert.equal(await purgeExpiredLogs(database.db(), 0, now), 0);
    assert.equal(await count('instance_info', 'id', ancient), 1);
    assert.equal(await count('instance_log', 'instance_id', ancient), 3);
  });

  it('deletes log lines past the log retention, also of an instance still running', async () => {
    await clear();
    const now = Date.now();
    const running = await instance('RUNNING', null);
    await addLogs(running, 2300, now - 10_000);
    await addLogs(running, 7, now - 100);
    const finished = await instance('SUCCEEDED', now - 100);
    await addLogs(finished, 4, now - 10_000);

    assert.equal(await purgeExpiredLogs(database.db(), 5000, now), 2304);
    assert.equal(await count('instance_log', 'instance_id', running), 7);
    assert.equal(await count('instance_log', 'instance_id', finished), 0);
    assert.equal(await count('instance_info', 'id', running), 1);
    assert.equal(await count('instance_info', 'id', finished), 1);
  });

  it('stops between two batches when told to (lease lost, server stopping)', async () => {
    await clear();
    const now = Date.now();
    const running = await instance('RUNNING', null);
    await addLogs(running, 2500, now - 10_000);
    assert.equal(await purgeExpiredLogs(database.db(), 5000, now, () => false), 1000);
    assert.equal(await count('instance_log', 'instance_id', running), 1500);
  });
});
