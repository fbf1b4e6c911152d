import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MigrationInterface } from 'typeorm';
import { JOBNEST_MIGRATIONS } from '@jobnest/persistence';
import { migratedDatabase } from '../support/migrated-database';

/**
 * The migration that turned "waiting for a worker" from a status reason's text into a column: it marks the rows
 * already waiting that way, and only those, and goes back down cleanly.
 */
describe('waiting_for_worker migration', () => {
  const database = migratedDatabase();

  function migration(): MigrationInterface {
    const found = JOBNEST_MIGRATIONS.find((m) => m.name === 'InstanceWaitingForWorker1764430000000');
    assert.ok(found, 'the migration is registered');
    return new found();
  }

  it('marks the instances whose reason said they wait for a worker', async () => {
    const db = database.db();
    const runner = db.createQueryRunner();
    try {
      await migration().down(runner);
      const insert = async (status: string, reason: string | null): Promise<number> => {
        const r = (await db.query(
          'INSERT INTO instance_info (app_id, job_id, status, status_reason, expected_trigger_time, status_time) VALUES (1, 1, ?, ?, 0, 0)',
          [status, reason],
        )) as { insertId: number };
        return r.insertId;
      };
      const waiting = await insert('WAITING_DISPATCH', 'waiting for a worker: no live worker of the app');
      const scheduled = await insert('WAITING_DISPATCH', 'scheduled in 5000 ms');
      const retrying = await insert('WAITING_DISPATCH', 'run 1 failed, retrying (1/3): boom');
      const failed = await insert('FAILED', 'waiting for a worker: no live worker of the app');
      const noReason = await insert('WAITING_DISPATCH', null);

      await migration().up(runner);
      const rows = (await db.query('SELECT id, waiting_for_worker AS flag FROM instance_info ORDER BY id')) as {
        id: number;
        flag: number;
      }[];
      assert.deepEqual(
        rows.map((r) => [Number(r.id), Number(r.flag)]),
        [
          [waiting, 1],
          [scheduled, 0],
          [retrying, 0],
          [failed, 0],
          [noReason, 0],
        ],
      );
      const keys = (await db.query("SHOW INDEX FROM instance_info WHERE Key_name LIKE 'idx_instance_job_status%'")) as {
        Key_name: string;
        Column_name: string;
      }[];
      assert.deepEqual(
        keys.map((k) => `${k.Key_name}.${k.Column_name}`),
        [
          'idx_instance_job_status_waiting.job_id',
          'idx_instance_job_status_waiting.status',
          'idx_instance_job_status_waiting.waiting_for_worker',
        ],
      );
    } finally {
      await runner.release();
    }
  });
});
