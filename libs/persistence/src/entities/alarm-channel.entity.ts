import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { AlarmChannelType } from '@jobnest/common';
import { bigintToNumber, jsonStringList } from '../column-transformers';

/**
 * Where an app's alarms go: a webhook, a chat robot or a list of email addresses. Its URL and secret are
 * write-only in the API (a robot's URL carries its access token).
 */
@Entity({ name: 'alarm_channel' })
@Unique('uq_alarm_channel_app_name', ['appId', 'name'])
export class AlarmChannelEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: AlarmChannelType;

  /** The webhook or robot URL; null for EMAIL. */
  @Column({ type: 'text', nullable: true })
  url!: string | null;

  /** Signing secret (WEBHOOK: required; DINGTALK, FEISHU: optional); null when none. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  secret!: string | null;

  /** EMAIL: the addresses; robots: the user ids or phone numbers to @mention. */
  @Column({ type: 'text', transformer: jsonStringList })
  recipients!: string[];

  @Column({ name: 'created_time', type: 'bigint', transformer: bigintToNumber })
  createdTime!: number;

  @Column({ name: 'updated_time', type: 'bigint', transformer: bigintToNumber })
  updatedTime!: number;
}
