import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The latest timer slot a job counted as skipped or misfired. With the latest instance's slot it says where the
 * job's calendar was handled up to, so a timer rebuilt after Redis lost it catches up without counting a slot twice.
 */
export class JobLastCountedSlot1764420000000 implements MigrationInterface {
  name = 'JobLastCountedSlot1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_info ADD COLUMN last_counted_slot BIGINT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_info DROP COLUMN last_counted_slot');
  }
}
