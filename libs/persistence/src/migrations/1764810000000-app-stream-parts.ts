import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `app_info.stream_parts`: how many parts an app's status and log streams are split into (1 to 16), so one busy app
 * spreads over several Redis slots. It only grows: workers started before a change still write to every part.
 */
export class AppStreamParts1764810000000 implements MigrationInterface {
  name = 'AppStreamParts1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE app_info ADD COLUMN stream_parts INT NOT NULL DEFAULT 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE app_info DROP COLUMN stream_parts');
  }
}
