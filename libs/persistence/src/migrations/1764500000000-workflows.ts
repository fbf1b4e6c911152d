import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workflows: their definitions (`workflow_info`), their runs with the per-run DAG snapshot (`workflow_instance`),
 * and the columns that make a job instance a node of a run. (workflow instance, node, attempt) is unique on both
 * node kinds, so a node is launched once however many servers move the workflow at the same moment.
 */
export class Workflows1764500000000 implements MigrationInterface {
  name = 'Workflows1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE workflow_info (
      id INT NOT NULL AUTO_INCREMENT,
      app_id INT NOT NULL,
      name VARCHAR(200) NOT NULL,
      description VARCHAR(1000) NOT NULL DEFAULT '',
      dag MEDIUMTEXT NOT NULL,
      time_expression_type VARCHAR(30) NOT NULL,
      time_expression VARCHAR(1000) NULL,
      time_zone VARCHAR(64) NOT NULL DEFAULT 'UTC',
      lifecycle_start BIGINT NULL,
      lifecycle_end BIGINT NULL,
      enabled TINYINT(1) NOT NULL DEFAULT 1,
      max_instances INT NOT NULL DEFAULT 0,
      overlap_policy VARCHAR(20) NOT NULL DEFAULT 'SKIP',
      continue_on_failure TINYINT(1) NOT NULL DEFAULT 0,
      skipped_slots BIGINT NOT NULL DEFAULT 0,
      misfired_slots BIGINT NOT NULL DEFAULT 0,
      last_counted_slot BIGINT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_workflow_app (app_id, id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE workflow_instance (
      id BIGINT NOT NULL AUTO_INCREMENT,
      app_id INT NOT NULL,
      workflow_id INT NOT NULL,
      status VARCHAR(20) NOT NULL,
      status_reason VARCHAR(1000) NULL,
      dag MEDIUMTEXT NOT NULL,
      continue_on_failure TINYINT(1) NOT NULL DEFAULT 0,
      node_states MEDIUMTEXT NOT NULL,
      init_params MEDIUMTEXT NULL,
      context MEDIUMTEXT NOT NULL,
      result MEDIUMTEXT NULL,
      version INT NOT NULL DEFAULT 0,
      trigger_slot BIGINT NULL,
      buffered TINYINT(1) NOT NULL DEFAULT 0,
      expected_trigger_time BIGINT NOT NULL,
      actual_trigger_time BIGINT NULL,
      finished_time BIGINT NULL,
      status_time BIGINT NOT NULL,
      parent_instance_id BIGINT NULL,
      parent_node_id VARCHAR(64) NULL,
      parent_attempt INT NULL,
      depth INT NOT NULL DEFAULT 0,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_wf_instance_app (app_id, workflow_id, id),
      KEY idx_wf_instance_status_expected (status, expected_trigger_time),
      KEY idx_wf_instance_workflow_status (workflow_id, status),
      KEY idx_wf_instance_finished (finished_time),
      UNIQUE KEY uk_wf_instance_slot (workflow_id, trigger_slot),
      UNIQUE KEY uk_wf_instance_parent_node (parent_instance_id, parent_node_id, parent_attempt)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`ALTER TABLE instance_info
      ADD COLUMN wf_instance_id BIGINT NULL,
      ADD COLUMN wf_node_id VARCHAR(64) NULL,
      ADD COLUMN wf_attempt INT NULL,
      ADD COLUMN wf_context MEDIUMTEXT NULL,
      ADD COLUMN wf_context_additions MEDIUMTEXT NULL,
      ADD COLUMN job_params_override MEDIUMTEXT NULL,
      ADD COLUMN instance_retries_override INT NULL,
      ADD COLUMN time_limit_override_ms BIGINT NULL,
      ADD UNIQUE KEY uk_instance_wf_node (wf_instance_id, wf_node_id, wf_attempt)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instance_info
      DROP KEY uk_instance_wf_node,
      DROP COLUMN wf_instance_id,
      DROP COLUMN wf_node_id,
      DROP COLUMN wf_attempt,
      DROP COLUMN wf_context,
      DROP COLUMN wf_context_additions,
      DROP COLUMN job_params_override,
      DROP COLUMN instance_retries_override,
      DROP COLUMN time_limit_override_ms`);
    await q.query('DROP TABLE workflow_instance');
    await q.query('DROP TABLE workflow_info');
  }
}
