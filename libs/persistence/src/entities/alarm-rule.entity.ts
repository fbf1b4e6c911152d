import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { AlarmEventType, AlarmRuleScope } from '@jobnest/common';
import { bigintToNumber, jsonNumberList, jsonStringList } from '../column-transformers';

/**
 * When an app's job, workflow or the app itself (its default) raises alarms, where they go, and how loud they are:
 * a threshold of N events within a window, then a silence period during which events are counted, not sent.
 */
@Entity({ name: 'alarm_rule' })
@Unique('uq_alarm_rule_target', ['appId', 'scope', 'targetId'])
export class AlarmRuleEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ type: 'varchar', length: 16 })
  scope!: AlarmRuleScope;

  /** The job or workflow id; 0 for the app's default rule. */
  @Column({ name: 'target_id', type: 'bigint', transformer: bigintToNumber })
  targetId!: number;

  /** AlarmEventType values. */
  @Column({ type: 'text', transformer: jsonStringList })
  events!: AlarmEventType[];

  @Column({ name: 'channel_ids', type: 'text', transformer: jsonNumberList })
  channelIds!: number[];

  /** Email addresses or robot mentions added to the channels' own for this rule's alarms. */
  @Column({ type: 'text', transformer: jsonStringList })
  recipients!: string[];

  /** Events within the window that raise an alarm (1: every one). */
  @Column({ name: 'threshold_count', type: 'int' })
  thresholdCount!: number;

  @Column({ name: 'threshold_window_ms', type: 'bigint', transformer: bigintToNumber })
  thresholdWindowMs!: number;

  /** After an alarm, events of the same subject are counted, not sent, this long (0: no silence). */
  @Column({ name: 'silence_ms', type: 'bigint', transformer: bigintToNumber })
  silenceMs!: number;

  /** Also alarm on the first success after failures that alarmed. */
  @Column({ name: 'notify_recovery', type: 'boolean' })
  notifyRecovery!: boolean;

  /** JOB rules: also alarm when the job fails as a node of a workflow (the workflow's own alarm covers it else). */
  @Column({ name: 'include_workflow_nodes', type: 'boolean' })
  includeWorkflowNodes!: boolean;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'created_time', type: 'bigint', transformer: bigintToNumber })
  createdTime!: number;

  @Column({ name: 'updated_time', type: 'bigint', transformer: bigintToNumber })
  updatedTime!: number;
}
