import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a WAITING_DISPATCH instance is waiting because a dispatch attempt found no eligible worker, as a column:
 * it was read from the text of `status_reason` (LIKE 'waiting for a worker%'). It joins the (job_id, status) index,
 * so the count a timer slot makes under the job's lock (unfinished instances, and those waiting for a worker) reads
 * the index alone. Existing rows get the flag from their reason. The literal values are those of this migration's
 * time, on purpose: a migration records history and must not follow later changes of the code's constants.
 */
export class InstanceWaitingForWorker1764430000000 implements MigrationInterface {
  name = 'InstanceWaitingForWorker1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instance_info
      ADD COLUMN waiting_for_worker TINYINT(1) NOT NULL DEFAULT 0,
      DROP KEY idx_instance_job_status,
      ADD KEY idx_instance_job_status_waiting (job_id, status, waiting_for_worker)`);
    await q.query(
      `UPDATE instance_info SET waiting_for_worker = 1
        WHERE status = 'WAITING_DISPATCH' AND status_reason LIKE 'waiting for a worker%'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instance_info
      DROP KEY idx_instance_job_status_waiting,
      ADD KEY idx_instance_job_status (job_id, status),
      DROP COLUMN waiting_for_worker`);
  }
}
