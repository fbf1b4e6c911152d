/**
 * Wire types of /alarm-channels, /alarm-rules and /alarm-deliveries: those of `@jobnest/client`, imported as types
 * only. The lists of enum values the console offers in its filters are kept here, typed with the client's unions.
 */
import type { AlarmDeliveryStatus, AlarmEventType } from '@jobnest/client';

export type {
  AlarmChannel,
  AlarmChannelType,
  AlarmDelivery,
  AlarmDeliveryFilter,
  AlarmDeliveryStatus,
  AlarmEvent,
  AlarmEventType,
  AlarmRule,
  AlarmRuleScope,
} from '@jobnest/client';

export const ALARM_DELIVERY_STATUSES: readonly AlarmDeliveryStatus[] = [
  'QUEUED',
  'RETRYING',
  'SENT',
  'FAILED',
  'SUPPRESSED',
];

export const ALARM_EVENT_TYPES: readonly AlarmEventType[] = [
  'INSTANCE_FAILED',
  'INSTANCE_TIMED_OUT',
  'NO_WORKER',
  'SLOTS_MISSED',
  'WORKFLOW_FAILED',
  'WORKER_LOST',
  'APP_NO_WORKER',
  'RECOVERED',
  'TEST',
];
