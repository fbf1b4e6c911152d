import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idx_instance_job_flow` gains `expected_trigger_time` after `priority`: a release ranks a job's held instances that
 * are due per concurrency key from the index alone, instead of reading every held row to check that it is due.
 */
export class FlowIndexDue1764920000000 implements MigrationInterface {
  name = 'FlowIndexDue1764920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instance_info
      DROP KEY idx_instance_job_flow,
      ADD KEY idx_instance_job_flow (job_id, status, held_by, flow_key, priority, expected_trigger_time, admitted_time)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instance_info
      DROP KEY idx_instance_job_flow,
      ADD KEY idx_instance_job_flow (job_id, status, held_by, flow_key, priority, admitted_time)`);
  }
}
