import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Subtasks of distributed instances, plus the instance's progress, resume flag and takeover count. */
export class TaskTable1764200000000 implements MigrationInterface {
  name = 'TaskTable1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE task (
      id BIGINT NOT NULL AUTO_INCREMENT,
      instance_id BIGINT NOT NULL,
      parent_id BIGINT NULL,
      map_key VARCHAR(80) NOT NULL,
      task_name VARCHAR(200) NOT NULL,
      payload MEDIUMTEXT NULL,
      status VARCHAR(20) NOT NULL,
      worker_id VARCHAR(100) NULL,
      attempt INT NOT NULL DEFAULT 0,
      failures INT NOT NULL DEFAULT 0,
      result MEDIUMTEXT NULL,
      created_time BIGINT NOT NULL,
      updated_time BIGINT NOT NULL,
      PRIMARY KEY (id),
      KEY idx_task_instance_status (instance_id, status, id),
      UNIQUE KEY uk_task_map_key (instance_id, map_key)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`ALTER TABLE instance_info
      ADD COLUMN task_counts VARCHAR(500) NULL,
      ADD COLUMN resume_next TINYINT(1) NOT NULL DEFAULT 0,
      ADD COLUMN takeovers INT NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE instance_info DROP COLUMN task_counts, DROP COLUMN resume_next, DROP COLUMN takeovers');
    await q.query('DROP TABLE task');
  }
}
