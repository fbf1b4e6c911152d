import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console users (`console_user`), their role per app (`app_grant`, whose foreign keys make a grant for a user being
 * deleted fail rather than outlive them) and the audit log of mutating API calls (`audit_log`, listed per app newest
 * first, deleted by age).
 */
export class UsersAndAudit1764600000000 implements MigrationInterface {
  name = 'UsersAndAudit1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE console_user (
      id INT NOT NULL AUTO_INCREMENT,
      username VARCHAR(100) NOT NULL,
      password_hash VARCHAR(255) NOT NULL,
      token_version INT NOT NULL DEFAULT 1,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_console_user_username (username)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE app_grant (
      user_id INT NOT NULL,
      app_id INT NOT NULL,
      role VARCHAR(16) NOT NULL,
      granted_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (user_id, app_id),
      KEY idx_app_grant_app (app_id),
      CONSTRAINT fk_app_grant_user FOREIGN KEY (user_id) REFERENCES console_user (id) ON DELETE CASCADE,
      CONSTRAINT fk_app_grant_app FOREIGN KEY (app_id) REFERENCES app_info (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE audit_log (
      id BIGINT NOT NULL AUTO_INCREMENT,
      app_id INT NULL,
      actor VARCHAR(120) NOT NULL,
      action VARCHAR(64) NOT NULL,
      target_type VARCHAR(32) NOT NULL,
      target_id VARCHAR(120) NULL,
      detail VARCHAR(1000) NULL,
      at BIGINT NOT NULL,
      PRIMARY KEY (id),
      KEY idx_audit_app_at (app_id, id),
      KEY idx_audit_at (at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_log');
    await q.query('DROP TABLE app_grant');
    await q.query('DROP TABLE console_user');
  }
}
