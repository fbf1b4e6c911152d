import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Apps, jobs, instances and their online logs. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE app_info (
      id INT NOT NULL AUTO_INCREMENT,
      name VARCHAR(100) NOT NULL,
      password_hash VARCHAR(255) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uk_app_name (name)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    // The column defaults below are the job defaults of this migration's time, written out: JOB_DEFAULTS
    // (@jobnest/common) may change later, and a migration that already ran must create the same schema when replayed.
    await q.query(`CREATE TABLE job_info (
      id INT NOT NULL AUTO_INCREMENT,
      app_id INT NOT NULL,
      name VARCHAR(200) NOT NULL,
      description VARCHAR(1000) NOT NULL DEFAULT '',
      processor VARCHAR(200) NOT NULL,
      execute_type VARCHAR(20) NOT NULL,
      time_expression_type VARCHAR(30) NOT NULL,
      time_expression VARCHAR(1000) NULL,
      time_zone VARCHAR(64) NOT NULL DEFAULT 'UTC',
      job_params MEDIUMTEXT NULL,
      max_instances INT NOT NULL DEFAULT 0,
      concurrency INT NOT NULL DEFAULT 5,
      instance_time_limit_ms BIGINT NOT NULL DEFAULT 0,
      instance_retries INT NOT NULL DEFAULT 0,
      task_retries INT NOT NULL DEFAULT 0,
      dispatch_strategy VARCHAR(20) NOT NULL DEFAULT 'HEALTH_FIRST',
      designated_workers TEXT NOT NULL,
      max_worker_count INT NOT NULL DEFAULT 0,
      min_cpu_cores DOUBLE NOT NULL DEFAULT 0,
      min_memory_mb INT NOT NULL DEFAULT 0,
      lifecycle_start BIGINT NULL,
      lifecycle_end BIGINT NULL,
      enabled TINYINT(1) NOT NULL DEFAULT 1,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_job_app (app_id, id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE instance_info (
      id BIGINT NOT NULL AUTO_INCREMENT,
      app_id INT NOT NULL,
      job_id INT NOT NULL,
      status VARCHAR(30) NOT NULL,
      status_reason VARCHAR(1000) NULL,
      result MEDIUMTEXT NULL,
      worker_id VARCHAR(100) NULL,
      running_times INT NOT NULL DEFAULT 0,
      instance_params MEDIUMTEXT NULL,
      trigger_slot BIGINT NULL,
      expected_trigger_time BIGINT NOT NULL,
      actual_trigger_time BIGINT NULL,
      finished_time BIGINT NULL,
      status_time BIGINT NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_instance_app_job (app_id, job_id, id),
      KEY idx_instance_status_expected (status, expected_trigger_time),
      KEY idx_instance_job_status (job_id, status),
      UNIQUE KEY uk_instance_job_slot (job_id, trigger_slot)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE instance_log (
      id BIGINT NOT NULL AUTO_INCREMENT,
      instance_id BIGINT NOT NULL,
      time BIGINT NOT NULL,
      level VARCHAR(10) NOT NULL,
      worker_id VARCHAR(100) NOT NULL,
      message TEXT NOT NULL,
      PRIMARY KEY (id),
      KEY idx_log_instance (instance_id, id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['instance_log', 'instance_info', 'job_info', 'app_info']) await q.query(`DROP TABLE ${table}`);
  }
}
