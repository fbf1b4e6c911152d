import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Version of an app's credentials, carried in its API tokens: a password change bumps it and so revokes them. */
export class AppTokenVersion1764300000000 implements MigrationInterface {
  name = 'AppTokenVersion1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE app_info ADD COLUMN token_version INT NOT NULL DEFAULT 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE app_info DROP COLUMN token_version');
  }
}
