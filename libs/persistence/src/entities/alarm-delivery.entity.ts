import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import { AlarmDeliveryStatus, AlarmEventType } from '@jobnest/common';
import { bigintToNumber } from '../column-transformers';

/**
 * The delivery history: one row per alarm per channel (QUEUED, RETRYING, SENT, FAILED), or one per event a silence
 * period held back (SUPPRESSED, no channel). Unique per (rule, channel, event key), so an event that several
 * servers raise is delivered once.
 */
@Entity({ name: 'alarm_delivery' })
@Index('uq_alarm_delivery_event', ['ruleId', 'channelId', 'eventKey'], { unique: true })
@Index('idx_alarm_delivery_app', ['appId', 'id'])
@Index('idx_alarm_delivery_created', ['createdTime'])
export class AlarmDeliveryEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Column({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ name: 'rule_id', type: 'int' })
  ruleId!: number;

  /** Null for a SUPPRESSED row. */
  @Column({ name: 'channel_id', type: 'int', nullable: true })
  channelId!: number | null;

  @Column({ name: 'event_type', type: 'varchar', length: 32 })
  eventType!: AlarmEventType;

  @Column({ name: 'event_key', type: 'varchar', length: 191 })
  eventKey!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: AlarmDeliveryStatus;

  /** Attempts made so far. */
  @Column({ type: 'int' })
  attempts!: number;

  /** Events the silence period held back before this alarm, which it reports. */
  @Column({ name: 'suppressed_count', type: 'int' })
  suppressedCount!: number;

  @Column({ type: 'varchar', length: 500 })
  title!: string;

  /** The AlarmEvent, as JSON. */
  @Column({ type: 'text' })
  payload!: string;

  /** The receiver's last answer (HTTP status and body start, or the SMTP reply), or why it could not be reached. */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  answer!: string | null;

  @Column({ name: 'created_time', type: 'bigint', transformer: bigintToNumber })
  createdTime!: number;

  @Column({ name: 'updated_time', type: 'bigint', transformer: bigintToNumber })
  updatedTime!: number;
}
