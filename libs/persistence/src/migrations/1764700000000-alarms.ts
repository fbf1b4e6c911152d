import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alarms: an app's channels (`alarm_channel`), its rules per job, workflow or app (`alarm_rule`) and the delivery
 * history (`alarm_delivery`, unique per rule, channel and event so an event is delivered once; listed per app newest
 * first; deleted by age).
 */
export class Alarms1764700000000 implements MigrationInterface {
  name = 'Alarms1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE alarm_channel (
      id INT NOT NULL AUTO_INCREMENT,
      app_id INT NOT NULL,
      name VARCHAR(100) NOT NULL,
      type VARCHAR(16) NOT NULL,
      url TEXT NULL,
      secret VARCHAR(500) NULL,
      recipients TEXT NOT NULL,
      created_time BIGINT NOT NULL,
      updated_time BIGINT NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_alarm_channel_app_name (app_id, name),
      CONSTRAINT fk_alarm_channel_app FOREIGN KEY (app_id) REFERENCES app_info (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE alarm_rule (
      id INT NOT NULL AUTO_INCREMENT,
      app_id INT NOT NULL,
      scope VARCHAR(16) NOT NULL,
      target_id BIGINT NOT NULL,
      events TEXT NOT NULL,
      channel_ids TEXT NOT NULL,
      recipients TEXT NOT NULL,
      threshold_count INT NOT NULL,
      threshold_window_ms BIGINT NOT NULL,
      silence_ms BIGINT NOT NULL,
      notify_recovery TINYINT NOT NULL,
      include_workflow_nodes TINYINT NOT NULL,
      enabled TINYINT NOT NULL,
      created_time BIGINT NOT NULL,
      updated_time BIGINT NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_alarm_rule_target (app_id, scope, target_id),
      CONSTRAINT fk_alarm_rule_app FOREIGN KEY (app_id) REFERENCES app_info (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await q.query(`CREATE TABLE alarm_delivery (
      id BIGINT NOT NULL AUTO_INCREMENT,
      app_id INT NOT NULL,
      rule_id INT NOT NULL,
      channel_id INT NULL,
      event_type VARCHAR(32) NOT NULL,
      event_key VARCHAR(191) NOT NULL,
      status VARCHAR(16) NOT NULL,
      attempts INT NOT NULL,
      suppressed_count INT NOT NULL,
      title VARCHAR(500) NOT NULL,
      payload TEXT NOT NULL,
      answer VARCHAR(1000) NULL,
      created_time BIGINT NOT NULL,
      updated_time BIGINT NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_alarm_delivery_event (rule_id, channel_id, event_key),
      KEY idx_alarm_delivery_app (app_id, id),
      KEY idx_alarm_delivery_created (created_time)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alarm_delivery');
    await q.query('DROP TABLE alarm_rule');
    await q.query('DROP TABLE alarm_channel');
  }
}
