import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the retention purges filter by: finished instances by `finished_time` (NULL while unfinished, so the
 * range never reaches an active instance) and log lines by `time`. Without them each purge batch scans the table.
 */
export class RetentionIndexes1764410000000 implements MigrationInterface {
  name = 'RetentionIndexes1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE instance_info ADD KEY idx_instance_finished (finished_time)');
    await q.query('ALTER TABLE instance_log ADD KEY idx_log_time (time)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE instance_log DROP KEY idx_log_time');
    await q.query('ALTER TABLE instance_info DROP KEY idx_instance_finished');
  }
}
