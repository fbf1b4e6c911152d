import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `task.app_id`: the app of the subtask's instance, so a worker's MySQL user can be granted the task table alone
 * and every worker statement filters on its own app. Existing rows take their instance's app.
 */
export class TaskApp1764800000000 implements MigrationInterface {
  name = 'TaskApp1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE task ADD COLUMN app_id INT NOT NULL DEFAULT 0 AFTER instance_id');
    await q.query('UPDATE task t JOIN instance_info i ON i.id = t.instance_id SET t.app_id = i.app_id');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE task DROP COLUMN app_id');
  }
}
