import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Task rows filled per statement: each UPDATE is its own short transaction, so old servers and workers go on. */
const FILL_BATCH = 10_000;

/**
 * `task.app_id`: the app of the subtask's instance, so a worker's MySQL user can be granted the task table alone
 * and every worker statement filters on its own app. The status index gains the column, so a worker's counts stay
 * answered from the index. Existing rows take their instance's app, in id ranges of FILL_BATCH.
 *
 * Outside a transaction (DDL commits anyway in MySQL): a start cut short after the ALTER finds the column and goes
 * on filling, instead of failing on a duplicate column.
 */
export class TaskApp1764800000000 implements MigrationInterface {
  name = 'TaskApp1764800000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const [column] = (await q.query(
      `SELECT COUNT(*) AS n FROM information_schema.columns
        WHERE table_schema = DATABASE() AND table_name = 'task' AND column_name = 'app_id'`,
    )) as { n: number | string }[];
    if (Number(column?.n ?? 0) === 0) {
      await q.query(
        `ALTER TABLE task ADD COLUMN app_id INT NOT NULL DEFAULT 0,
           DROP INDEX idx_task_instance_status,
           ADD INDEX idx_task_instance_status (instance_id, status, id, app_id)`,
      );
    }
    const [range] = (await q.query('SELECT MIN(id) AS lo, MAX(id) AS hi FROM task WHERE app_id = 0')) as {
      lo: number | string | null;
      hi: number | string | null;
    }[];
    if (range?.lo === null || range?.lo === undefined) return;
    for (let from = Number(range.lo); from <= Number(range.hi); from += FILL_BATCH) {
      await q.query(
        `UPDATE task t JOIN instance_info i ON i.id = t.instance_id SET t.app_id = i.app_id
          WHERE t.id >= ? AND t.id < ? AND t.app_id = 0`,
        [from, from + FILL_BATCH],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE task DROP INDEX idx_task_instance_status,
         ADD INDEX idx_task_instance_status (instance_id, status, id), DROP COLUMN app_id`,
    );
  }
}
