import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of API runs: the `idempotency_key` table (one row per job and key while it lives) and the key
 * shown on the instance. Adding a nullable column at the end of `instance_info` is instant in MariaDB 10.3+ and
 * MySQL 8, whatever the table's size.
 */
export class IdempotencyKeys1764900000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE idempotency_key (
      job_id INT NOT NULL,
      key_hash BINARY(32) NOT NULL,
      instance_id BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (job_id, key_hash),
      KEY idx_idempotency_key_expires (expires_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query('ALTER TABLE instance_info ADD COLUMN idempotency_key VARCHAR(255) NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE instance_info DROP COLUMN idempotency_key');
    await q.query('DROP TABLE idempotency_key');
  }
}
