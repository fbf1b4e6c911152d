import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-job counters of timer slots that did not create an instance (skipped while busy, or missed while down). */
export class TriggerCounters1764100000000 implements MigrationInterface {
  name = 'TriggerCounters1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_info
      ADD COLUMN skipped_slots BIGINT NOT NULL DEFAULT 0,
      ADD COLUMN misfired_slots BIGINT NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE job_info DROP COLUMN skipped_slots, DROP COLUMN misfired_slots');
  }
}
