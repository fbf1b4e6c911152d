import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flow control: per job a concurrency key path and limit, a rate limit, a default priority and an overlap policy;
 * per instance its concurrency key, priority, what holds it and when it was let through. Existing timed jobs keep
 * what their slots did before: ALLOW_ALL (capped by maxInstances, and skipped while an instance waits for a
 * worker), except maxInstances = 1, which is SKIP. The literal values are those of this migration's time, on
 * purpose: a migration records history.
 */
export class FlowControl1764910000000 implements MigrationInterface {
  name = 'FlowControl1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_info
      ADD COLUMN concurrency_key_path VARCHAR(200) NULL,
      ADD COLUMN concurrency_limit INT NOT NULL DEFAULT 0,
      ADD COLUMN rate_limit INT NOT NULL DEFAULT 0,
      ADD COLUMN rate_period_ms INT NOT NULL DEFAULT 1000,
      ADD COLUMN priority INT NOT NULL DEFAULT 0,
      ADD COLUMN overlap_policy VARCHAR(16) NOT NULL DEFAULT 'SKIP',
      ADD COLUMN overlap_buffer_limit INT NOT NULL DEFAULT 100`);
    await q.query(`UPDATE job_info SET overlap_policy = 'ALLOW_ALL' WHERE max_instances <> 1`);
    await q.query('ALTER TABLE workflow_info ADD COLUMN overlap_buffer_limit INT NOT NULL DEFAULT 100');
    await q.query(`ALTER TABLE instance_info
      ADD COLUMN flow_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
      ADD COLUMN priority INT NOT NULL DEFAULT 0,
      ADD COLUMN held_by VARCHAR(16) NULL,
      ADD COLUMN admitted_time BIGINT NULL,
      ADD KEY idx_instance_job_flow (job_id, status, held_by, flow_key, priority, admitted_time),
      ADD KEY idx_instance_job_admitted (job_id, admitted_time)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE workflow_info DROP COLUMN overlap_buffer_limit');
    await q.query(`ALTER TABLE instance_info
      DROP KEY idx_instance_job_flow,
      DROP KEY idx_instance_job_admitted,
      DROP COLUMN flow_key,
      DROP COLUMN priority,
      DROP COLUMN held_by,
      DROP COLUMN admitted_time`);
    await q.query(`ALTER TABLE job_info
      DROP COLUMN concurrency_key_path,
      DROP COLUMN concurrency_limit,
      DROP COLUMN rate_limit,
      DROP COLUMN rate_period_ms,
      DROP COLUMN priority,
      DROP COLUMN overlap_policy,
      DROP COLUMN overlap_buffer_limit`);
  }
}
