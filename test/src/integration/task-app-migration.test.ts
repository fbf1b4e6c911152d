import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MigrationInterface } from 'typeorm';
import { JOBNEST_MIGRATIONS } from '@jobnest/persistence';
import { migratedDatabase } from '../support/migrated-database';

/**
 * The migration that gave the task table its app: rows written before take their instance's app (in id ranges),
 * the status index gains the column, a start cut short after the ALTER goes on, and it goes back down cleanly.
 */
describe('task app_id migration', () => {
  const database = migratedDatabase();

  function migration(): MigrationInterface {
    const found = JOBNEST_MIGRATIONS.find((m) => m.name === 'TaskApp1764800000000');
    assert.ok(found, 'the migration is registered');
    return new found();
  }

  it('fills app_id from the instances, and runs again after a start cut short', async () => {
    const db = database.db();
    const runner = db.createQueryRunner();
    try {
      await migration().down(runner);
      const instance = async (appId: number): Promise<number> =>
        (
          (await db.query(
            "INSERT INTO instance_info (app_id, job_id, status, expected_trigger_time, status_time) VALUES (?, 1, 'RUNNING', 0, 0)",
            [appId],
          )) as { insertId: number }
        ).insertId;
      const a = await instance(3);
      const b = await instance(4);
      const values = Array.from({ length: 25_000 }, (_, i) => [i % 2 === 0 ? a : b, `k:${i}`]);
      for (let i = 0; i < values.length; i += 5000) {
        const chunk = values.slice(i, i + 5000);
        await db.query(
          `INSERT INTO task (instance_id, map_key, task_name, status, created_time, updated_time) VALUES ${chunk
            .map(() => "(?, ?, 'T', 'WAITING_DISPATCH', 0, 0)")
            .join(', ')}`,
          chunk.flat(),
        );
      }

      await migration().up(runner);
      // A start cut short after the ALTER: some rows still 0. Running it again fills them and changes nothing else.
      await db.query('UPDATE task SET app_id = 0 WHERE map_key IN (?, ?)', ['k:0', 'k:1']);
      await migration().up(runner);

      const byInstance = (await db.query(
        'SELECT instance_id AS instanceId, app_id AS appId, COUNT(*) AS n FROM task GROUP BY instance_id, app_id ORDER BY instance_id',
      )) as { instanceId: number; appId: number; n: number }[];
      assert.deepEqual(
        byInstance.map((r) => [Number(r.instanceId), Number(r.appId), Number(r.n)]),
        [
          [a, 3, 12_500],
          [b, 4, 12_500],
        ],
      );
      const index = (await db.query("SHOW INDEX FROM task WHERE Key_name = 'idx_task_instance_status'")) as {
        Column_name: string;
      }[];
      assert.deepEqual(
        index.map((k) => k.Column_name),
        ['instance_id', 'status', 'id', 'app_id'],
      );
    } finally {
      await runner.release();
    }
  });
});
